package policy

import "testing"

func TestIGR609(t *testing.T) {
	runRuleTable(t, ruleIGR609(), map[string]ruleCase{
		"hit: istiooperator unset": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: istiooperator false": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {defaultConfig: {holdApplicationUntilProxyStarts: false}}}`,
			want: []string{"spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: istiooperator mesh-wide true": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {defaultConfig: {holdApplicationUntilProxyStarts: true}}}`,
		},
		"miss: istiooperator legacy global.proxy setting": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {proxy: {holdApplicationUntilProxyStarts: true}}}}`,
		},
		"miss: istiod values legacy global.proxy setting": {
			kind: KindIstiodValues, doc: `{global: {proxy: {holdApplicationUntilProxyStarts: true}}}`,
		},
		"hit: istiod values unset": {
			kind: KindIstiodValues, doc: `{}`, want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: mesh configmap unset": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  concurrency: 2"),
			want: []string{"data[mesh].defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: mesh configmap true": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  holdApplicationUntilProxyStarts: true"),
		},
	})
}
