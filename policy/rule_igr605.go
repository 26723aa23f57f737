package policy

// IGR605Params are the parameters of IGR605.
type IGR605Params struct {
	MinReplicas        int `yaml:"minReplicas" desc:"fewest gateway replicas (HPA minimum or fixed count)"`
	TopologyKeysParams `yaml:",inline"`
}

func ruleIGR605() *Rule {
	return &Rule{
		ID:    "IGR605",
		Title: "Ingress gateway not production-ready",
		Description: "An ingress gateway carries all external traffic: it needs a replica floor (HPA minimum, or " +
			"`replicaCount` without autoscaling; parameter `minReplicas`), cpu and memory requests and limits, a " +
			"PodDisruptionBudget keeping `minAvailable >= 2` (or `maxUnavailable <= 1`), and anti-affinity or a " +
			"topology spread constraint so replicas do not share a node. Settings merge over the defaults of the " +
			"source (HPA 1-5, requests 100m/128Mi and limits 2000m/1024Mi, no anti-affinity; for an IstioOperator, " +
			"istioctl's legacy gateway chart renders a PDB of minAvailable 1 only above a floor of 1, and " +
			"`k8s.podDisruptionBudget` patches that PDB, so it does nothing without one; the gateway chart creates none " +
			"unless `podDisruptionBudget` is set). " +
			"Sources: each enabled IstioOperator `spec.components.ingressGateways[]` (the profile's " +
			"istio-ingressgateway when the list is absent), gateway chart values, and rendered Deployments labelled " +
			"`istio: ingressgateway`, `istio: ingress`, `app: istio-ingressgateway` or `app: istio-ingress`, or whose pods ask for " +
			"the injector's gateway template (`inject.istio.io/templates: gateway`, which the gateway chart sets whatever the " +
			"release is called; gateways labelled as egress gateways excepted), where the " +
			"HPA and PDB (separate objects) are not checked and `spec.replicas` is reported only as a warning " +
			"(an HPA may own it; 1 is what the API server sets when it is omitted).",
		Remediation:   "run at least 2 gateway replicas with requests, limits, a PDB of minAvailable: 2 and pod anti-affinity",
		Istio:         "gateway chart (1.31 line, checked by test/render): autoscaling on by default (1-5), spec.replicas only without autoscaling, a PDB only when `podDisruptionBudget` is non-empty and the floor is above 1 (copied as written); rendered gateways judged with their HPA and PDBs in `check`; IstioOperator gateways as istioctl renders them (legacy gateways/istio-ingress chart: values under gateways.istio-ingressgateway, k8s.hpaSpec/replicaCount translated into them, PDB minAvailable 1 only above a floor of 1, then the k8s.podDisruptionBudget patch; checked against istioctl manifest generate by test/render).",
		Targets:       []Kind{KindIstioOperator, KindGatewayValues, KindDeployment},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Params:        ParamsOf(IGR605Params{MinReplicas: 2, TopologyKeysParams: defaultTopologyKeys()}),
		Check: checkWith(func(ctx *Context, obj *Object, p *IGR605Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok {
				return nil
			}
			var out []Violation
			floor := int64(p.MinReplicas)
			d, isRendered := renderedDeploymentOf(obj, cpIsGatewayDeployment)
			for _, gw := range cp.Gateways {
				if isRendered && ctx != nil && ctx.Scaling != nil {
					// A rendered gateway with the HPAs and PDBs of its input.
					out = append(out, checkRenderedReplicas(ctx.Scaling, d, floor)...)
					out = append(out, checkRenderedPDB(ctx.Scaling, d)...)
				} else {
					out = append(out, cpCheckReplicas(gw, floor)...)
					out = append(out, cpCheckPDB(gw)...)
				}
				out = append(out, cpCheckResources(gw.Resources, gw.Defaults.Resources)...)
				out = append(out, cpCheckSpread(gw, p.TopologyKeys)...)
			}
			return out
		}),
	}
}
