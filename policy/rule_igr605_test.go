package policy

import "testing"

// igr605HardGateway is an IstioOperator gateway entry with every IGR605 setting.
const igr605HardGateway = `{name: istio-ingressgateway, enabled: true, k8s: {hpaSpec: {minReplicas: 4},
  resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2000m, memory: 1Gi}},
  podDisruptionBudget: {minAvailable: 2},
  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}}}`

func TestIGR605(t *testing.T) {
	gw0 := "spec.components.ingressGateways[0].k8s."
	runRuleTable(t, ruleIGR605(), map[string]ruleCase{
		"hit: istiooperator default profile gateway": {
			kind: KindIstioOperator, doc: `spec: {}`,
			// The floor of 1 is too low, and it is also why istioctl renders
			// no PDB for the gateway (the legacy chart needs a floor above 1).
			want: []string{gw0 + "hpaSpec.minReplicas", gw0 + "hpaSpec.minReplicas", gw0 + "affinity.podAntiAffinity"},
		},
		"miss: istiooperator hardened gateway": {
			kind: KindIstioOperator, doc: `spec: {components: {ingressGateways: [` + igr605HardGateway + `]}}`,
		},
		"hit: istiooperator second gateway not hardened": {
			kind: KindIstioOperator,
			doc: `spec: {components: {ingressGateways: [` + igr605HardGateway + `,
  {name: internal, enabled: true, k8s: {hpaSpec: {minReplicas: 2}, resources: {limits: null},
   podDisruptionBudget: {maxUnavailable: 1}, topologySpreadConstraints: [{topologyKey: kubernetes.io/hostname}]}}]}}`,
			want: []string{"spec.components.ingressGateways[1].k8s.resources.limits"},
		},
		"miss: istiooperator disabled gateway": {
			kind: KindIstioOperator, doc: `spec: {components: {ingressGateways: [{name: istio-ingressgateway, enabled: false}]}}`,
		},
		"hit: istiooperator gateway autoscaling off with 1 replica": {
			kind: KindIstioOperator,
			doc: `spec: {values: {gateways: {istio-ingressgateway: {autoscaleEnabled: false}}},
  components: {ingressGateways: [{name: gw, enabled: true, k8s: {replicaCount: 1, podDisruptionBudget: {minAvailable: 2},
  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}}}]}}`,
			// One replica: too few, and no PDB rendered to patch the
			// podDisruptionBudget onto (istioctl drops the patch).
			want: []string{gw0 + "replicaCount", gw0 + "replicaCount"},
		},
		"hit: gateway values defaults": {
			kind: KindGatewayValues, doc: `{}`,
			want: []string{"autoscaling.minReplicas", "podDisruptionBudget", "affinity.podAntiAffinity"},
		},
		"hit: gateway values empty podDisruptionBudget means none": {
			kind: KindGatewayValues,
			doc: `{autoscaling: {minReplicas: 2}, podDisruptionBudget: {},
  topologySpreadConstraints: [{topologyKey: kubernetes.io/hostname}]}`,
			want: []string{"podDisruptionBudget"},
		},
		"miss: gateway values fixed replicas with autoscaling off": {
			kind: KindGatewayValues,
			doc: `{replicaCount: 2, autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 2},
  topologySpreadConstraints: [{topologyKey: topology.kubernetes.io/zone}]}`,
		},
		"miss: parameter raised and met": {
			kind: KindGatewayValues, params: paramsWith(func(p *IGR605Params) { p.MinReplicas = 4 }),
			doc: `{autoscaling: {minReplicas: 4}, podDisruptionBudget: {minAvailable: 2},
  topologySpreadConstraints: [{topologyKey: kubernetes.io/hostname}]}`,
		},
		"hit: rendered gateway deployment": {
			kind: KindDeployment,
			doc: `{metadata: {name: istio-ingressgateway, labels: {istio: ingressgateway}},
  spec: {replicas: 1, template: {spec: {containers: [{name: istio-proxy}]}}}}`,
			want: []string{"spec.template.spec.affinity.podAntiAffinity",
				"spec.template.spec.containers[0].resources.limits", "spec.template.spec.containers[0].resources.requests"},
		},
		"miss: istiod values are not a gateway": {kind: KindIstiodValues, doc: `{}`},
		// The gateway chart's labels follow the release name; its pods always
		// ask for the injector's gateway template.
		"hit: gateway chart release under another name": {
			kind: KindDeployment,
			doc: `{metadata: {name: edge, labels: {app: edge, istio: edge}},
  spec: {replicas: 1, template: {metadata: {annotations: {inject.istio.io/templates: gateway}, labels: {app: edge, istio: edge}},
    spec: {containers: [{name: istio-proxy}]}}}}`,
			want: []string{"spec.template.spec.affinity.podAntiAffinity",
				"spec.template.spec.containers[0].resources.limits", "spec.template.spec.containers[0].resources.requests"},
		},
		"miss: egress gateway from the gateway chart": {
			kind: KindDeployment,
			doc: `{metadata: {name: istio-egressgateway, labels: {app: istio-egressgateway, istio: egressgateway}},
  spec: {replicas: 1, template: {metadata: {annotations: {inject.istio.io/templates: gateway}}, spec: {containers: [{name: istio-proxy}]}}}}`,
		},
		"miss: an application Deployment with a sidecar template": {
			kind: KindDeployment,
			doc: `{metadata: {name: web}, spec: {replicas: 1, template: {metadata: {annotations: {inject.istio.io/templates: sidecar}},
    spec: {containers: [{name: web}]}}}}`,
		},
		"hit: rendered gateway with 3 of 4 replicas (advisory: an HPA may own it)": {
			kind: KindDeployment, params: paramsWith(func(p *IGR605Params) { p.MinReplicas = 4 }),
			doc: `{metadata: {name: istio-ingressgateway, labels: {istio: ingressgateway}},
  spec: {replicas: 3, template: {spec: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}},
    containers: [{name: istio-proxy, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 2, memory: 2Gi}}}]}}}}`,
			want: []string{"spec.replicas (advisory)"},
		},
	})
}

// TestIGR605GatewayChart: gateway values are judged as the gateway chart
// renders them (poddisruptionbudget.yaml, deployment.yaml): a PDB only when
// podDisruptionBudget is non-empty and the floor is above 1, spec.replicas
// only without autoscaling, maxUnavailable as well as minAvailable, percent
// bounds scaled by the floor.
func TestIGR605GatewayChart(t *testing.T) {
	const spread = "  topologySpreadConstraints: [{topologyKey: kubernetes.io/hostname}]\n"
	runRuleTable(t, ruleIGR605(), map[string]ruleCase{
		"hit: a PDB written with a floor of 1 is not rendered": {
			kind: KindGatewayValues, doc: "{podDisruptionBudget: {minAvailable: 2},\n" + spread + "}",
			want: []string{"autoscaling.minReplicas", "autoscaling.minReplicas"}},
		"hit: replicaCount is ignored while autoscaling": {
			kind: KindGatewayValues, doc: "{replicaCount: 3, podDisruptionBudget: {minAvailable: 2},\n" + spread + "}",
			want: []string{"autoscaling.minReplicas", "autoscaling.minReplicas"}},
		"miss: maxUnavailable 1 with an HPA minimum of 3": {
			kind: KindGatewayValues, doc: "{autoscaling: {minReplicas: 3}, podDisruptionBudget: {maxUnavailable: 1},\n" + spread + "}"},
		"miss: maxUnavailable 25% of 4 rounds up to 1": {
			kind: KindGatewayValues, doc: "{autoscaling: {minReplicas: 4}, podDisruptionBudget: {maxUnavailable: 25%},\n" + spread + "}"},
		"hit: minAvailable 50% of 2 is 1": {
			kind: KindGatewayValues, doc: "{autoscaling: {minReplicas: 2}, podDisruptionBudget: {minAvailable: 50%},\n" + spread + "}",
			want: []string{"podDisruptionBudget.minAvailable"}},
		"hit: autoscaling off without replicaCount runs 1 replica": {
			kind: KindGatewayValues, doc: "{autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 2},\n" + spread + "}",
			want: []string{"replicaCount", "replicaCount"}},
	})
}
