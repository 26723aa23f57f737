package policy

import "testing"

func TestIGR604(t *testing.T) {
	runRuleTable(t, ruleIGR604(), map[string]ruleCase{
		"hit: istiooperator defaults": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.affinity.podAntiAffinity"},
		},
		"hit: istiooperator pod affinity is not anti-affinity": {
			kind: KindIstioOperator,
			doc: `spec: {components: {pilot: {k8s: {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [
  {topologyKey: kubernetes.io/hostname}]}}}}}}`,
			want: []string{"spec.components.pilot.k8s.affinity.podAntiAffinity"},
		},
		"hit: istiooperator anti-affinity on an unlisted key": {
			kind: KindIstioOperator,
			doc: `spec: {components: {pilot: {k8s: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [
  {topologyKey: example.com/rack}]}}}}}}`,
			want: []string{"spec.components.pilot.k8s.affinity.podAntiAffinity"},
		},
		"miss: istiooperator preferred anti-affinity on hostname": {
			kind: KindIstioOperator,
			doc: `spec: {components: {pilot: {k8s: {affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [
  {weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname}}]}}}}}}`,
		},
		"miss: istiooperator values.pilot.topologySpreadConstraints on zone": {
			kind: KindIstioOperator,
			doc:  `spec: {values: {pilot: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone}]}}}`,
		},
		"miss: custom topology key parameter": {
			kind: KindIstioOperator, params: paramsWith(func(p *TopologyKeysParams) { p.TopologyKeys = []string{"example.com/rack"} }),
			doc: `spec: {components: {pilot: {k8s: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [
  {topologyKey: example.com/rack}]}}}}}}`,
		},
		"hit: istiod values defaults": {kind: KindIstiodValues, doc: `{}`, want: []string{"pilot.affinity.podAntiAffinity"}},
		"miss: istiod values top-level required anti-affinity": {
			kind: KindIstiodValues,
			doc:  `{affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}}`,
		},
		"hit: rendered istiod without affinity": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}}`,
			want: []string{"spec.template.spec.affinity.podAntiAffinity"},
		},
		"miss: rendered istiod with a topology spread constraint": {
			kind: KindDeployment,
			doc: `{metadata: {name: istiod, labels: {app: istiod}}, spec: {template: {spec: {topologySpreadConstraints: [
  {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}]}}}}`,
		},
	})
}
