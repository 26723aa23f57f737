package policy

func ruleIGR611() *Rule {
	return &Rule{
		ID:    "IGR611",
		Title: "Sidecar proxies without default requests and limits",
		Description: "`global.proxy.resources` are the requests and limits the injector gives every istio-proxy " +
			"container that does not set its own. Without requests, sidecars are scheduled as if free and evicted " +
			"first; without limits, one busy proxy can starve its node. Values merge over the chart defaults " +
			"(requests 100m/128Mi, limits 2000m/1024Mi) as Helm does, so the rule fires when a value removes a " +
			"default (`null` or an empty string). Sources: IstioOperator `spec.values.global.proxy.resources` and " +
			"istiod chart values `global.proxy.resources`.",
		Remediation:   "set global.proxy.resources requests and limits (for example 100m/128Mi and 2000m/1Gi)",
		Istio:         "istiod chart `global.proxy.resources` defaults: requests 100m/128Mi, limits 2000m/1024Mi; per-pod `sidecar.istio.io/proxy*` annotations replace them all.",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Values == nil {
				return nil
			}
			return cpCheckResources(cp.Values.get("global", "proxy", "resources"), cpAllResourceKeys())
		},
	}
}
