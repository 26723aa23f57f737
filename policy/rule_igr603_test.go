package policy

import "testing"

func TestIGR603(t *testing.T) {
	runRuleTable(t, ruleIGR603(), map[string]ruleCase{
		// istioctl's rendering (operator/pkg/render): k8s.hpaSpec becomes
		// pilot.autoscaleMin/Max before the chart renders, and
		// k8s.podDisruptionBudget only patches a PDB the chart rendered.
		"hit: istiooperator defaults render no PDB (floor 1)": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.hpaSpec.minReplicas"},
		},
		"hit: istiooperator k8s.podDisruptionBudget patches nothing when the chart renders no PDB": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {podDisruptionBudget: {minAvailable: 2}}}}}`,
			want: []string{"spec.components.pilot.k8s.hpaSpec.minReplicas"},
		},
		"hit: istiooperator default PDB disabled": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}}}}, values: {global: {defaultPodDisruptionBudget: {enabled: false}}}}`,
			want: []string{"spec.values.global.defaultPodDisruptionBudget.enabled"},
		},
		"hit: istiooperator minAvailable 1": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 1}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.minAvailable"},
		},
		"hit: istiooperator maxUnavailable 2 (the patch drops the chart's minAvailable)": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {maxUnavailable: 2}}}}}`,
			want: []string{"spec.components.pilot.k8s.podDisruptionBudget.maxUnavailable"},
		},
		"hit: istiooperator PDB patch with a selector only keeps the chart's minAvailable 1": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {selector: {matchLabels: {app: istiod}}}}}}}`,
			want: []string{"spec.values.pilot.pdb.minAvailable"},
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
		"miss: istiooperator minAvailable 2 with a floor of 3": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 2}}}}}`,
		},
		"miss: istiooperator maxUnavailable 1 with a floor of 3": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {maxUnavailable: 1}}}}}`,
		},
		"miss: istiooperator values.pilot.pdb, as the chart reads it": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {autoscaleMin: 3, pdb: {minAvailable: 2}}}}`,
		},
		// The istiod chart's own semantics (poddisruptionbudget.yaml): a PDB
		// only when the replica floor is above 1, bounds from pdb.*.
		"hit: istiod values defaults render no PDB (autoscaleMin 1)": {kind: KindIstiodValues, doc: `{}`, want: []string{"pilot.autoscaleMin"}},
		"hit: istiod values default PDB off": {
			kind: KindIstiodValues, doc: `{pilot: {autoscaleMin: 3}, global: {defaultPodDisruptionBudget: {enabled: false}}}`,
			want: []string{"global.defaultPodDisruptionBudget.enabled"},
		},
		"hit: podDisruptionBudget is not an istiod chart key: the default pdb.minAvailable 1 renders": {
			kind: KindIstiodValues, doc: `{autoscaleMin: 3, podDisruptionBudget: {minAvailable: 2}}`,
			want: []string{"pdb.minAvailable"},
		},
		"miss: istiod values top-level pdb.minAvailable 2 with autoscaleMin 3": {
			kind: KindIstiodValues, doc: `{autoscaleMin: 3, pdb: {minAvailable: 2}}`,
		},
		"miss: pilot.pdb.maxUnavailable 1 replaces the default minAvailable (hasKey)": {
			kind: KindIstiodValues, doc: `{pilot: {autoscaleMin: 3, pdb: {maxUnavailable: 1}}}`,
		},
		"hit: pdb.maxUnavailable 0 is falsy to Helm: the PDB renders without bounds": {
			kind: KindIstiodValues, doc: `{pilot: {autoscaleMin: 3, pdb: {maxUnavailable: 0}}}`,
			want: []string{"pilot.pdb.minAvailable"},
		},
		"miss: pilot.* wins over the top level": {
			kind: KindIstiodValues, doc: `{autoscaleMin: 1, pdb: {minAvailable: 1}, pilot: {autoscaleMin: 3, pdb: {minAvailable: 2}}}`,
		},
		"hit: replicaCount 3 does not count while autoscaling is on": {
			kind: KindIstiodValues, doc: `{replicaCount: 3, pdb: {minAvailable: 2}}`,
			want: []string{"autoscaleMin"},
		},
		"miss: autoscaling off with replicaCount 3": {
			kind: KindIstiodValues, doc: `{autoscaleEnabled: false, replicaCount: 3, pdb: {minAvailable: 2}}`,
		},
		"hit: a quoted \"false\" is true to Helm, so autoscaling stays on with autoscaleMin 1": {
			kind: KindIstiodValues, doc: `{autoscaleEnabled: "false", replicaCount: 3, pdb: {minAvailable: 2}}`,
			want: []string{"autoscaleMin"},
		},
		"miss: YAML 1.1 off is false, as helm reads it": {
			kind: KindIstiodValues, doc: "autoscaleEnabled: off\nreplicaCount: 3\npdb: {minAvailable: 2}\n",
		},
		"miss: rendered deployments are not checked": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}}`,
		},
	})
}
