package policy

import "testing"

func TestIGR607(t *testing.T) {
	runRuleTable(t, ruleIGR607(), map[string]ruleCase{
		"hit: istiooperator enableAutoMtls false": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {enableAutoMtls: false}}`,
			want: []string{"spec.meshConfig.enableAutoMtls"},
		},
		"miss: istiooperator unset": {kind: KindIstioOperator, doc: `spec: {}`},
		"hit: istiod values string false": {
			kind: KindIstiodValues, doc: `{meshConfig: {enableAutoMtls: "false"}}`, want: []string{"meshConfig.enableAutoMtls"},
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
