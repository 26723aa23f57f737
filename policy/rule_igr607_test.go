package policy

import "testing"

func TestIGR607(t *testing.T) {
	runRuleTable(t, ruleIGR607(), map[string]ruleCase{
		"hit: istiooperator enableAutoMtls false": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {enableAutoMtls: false}}`,
			want: []string{"spec.meshConfig.enableAutoMtls"},
		},
		"miss: istiooperator unset": {kind: KindIstioOperator, doc: `spec: {}`},
		// istiod's decoder (jsonpb) refuses a string for a BoolValue and drops
		// the whole mesh config for the defaults, where auto mTLS is on
		// (IGR606 reports the rejection).
		"miss: istiod values string false is rejected by istiod, which keeps the default (true)": {
			kind: KindIstiodValues, doc: `{meshConfig: {enableAutoMtls: "false"}}`,
		},
		"hit: istiod values YAML 1.1 off is a real false": {
			kind: KindIstiodValues, doc: "meshConfig: {enableAutoMtls: off}\n", want: []string{"meshConfig.enableAutoMtls"},
		},
		"miss: istiod values true": {kind: KindIstiodValues, doc: `{meshConfig: {enableAutoMtls: true}}`},
		"hit: mesh configmap false": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "enableAutoMtls: false"),
			want: []string{"data[mesh].enableAutoMtls"},
		},
		"miss: unparsable mesh configmap is left to IGR606": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "enableAutoMtls: [false"),
		},
	})
}
