package policy

import "testing"

func TestIGR603(t *testing.T) {
	r3Run(t, ruleIGR603(), map[string]r3Case{
		"hit: istiooperator default PDB keeps minAvailable 1": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget"},
		},
		"hit: istiooperator default PDB disabled": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {defaultPodDisruptionBudget: {enabled: false}}}}`,
			want: []string{"spec.values.global.defaultPodDisruptionBudget.enabled"},
		},
		"hit: istiooperator minAvailable 1": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {minAvailable: 1}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.minAvailable"},
		},
		"hit: istiooperator maxUnavailable 2": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {maxUnavailable: 2}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.maxUnavailable"},
		},
		"hit: istiooperator PDB with a selector only": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {selector: {matchLabels: {app: istiod}}}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.minAvailable"},
		},
		"hit: istiooperator 50% of an HPA minimum of 3 is 2 but of 2 is 1": {
			kind: KindIstioOperator,
			doc:  `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 2}, podDisruptionBudget: {minAvailable: "50%"}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.minAvailable"},
		},
		"miss: istiooperator 50% of 3 replicas rounds up to 2": {
			kind: KindIstioOperator,
			doc:  `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: "50%"}}}}}`,
		},
		"miss: istiooperator minAvailable 2": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {minAvailable: 2}}}}}`,
		},
		"miss: istiooperator maxUnavailable 1": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {maxUnavailable: 1}}}}}`,
		},
		"hit: istiod values defaults": {kind: KindIstiodValues, doc: `{}`, want: []string{"pilot.podDisruptionBudget"}},
		"hit: istiod values default PDB off": {
			kind: KindIstiodValues, doc: `{global: {defaultPodDisruptionBudget: {enabled: false}}}`,
			want: []string{"global.defaultPodDisruptionBudget.enabled"},
		},
		"miss: istiod values top-level podDisruptionBudget": {
			kind: KindIstiodValues, doc: `{podDisruptionBudget: {minAvailable: 2}}`,
		},
		"miss: rendered deployments are not checked": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}}`,
		},
	})
}
