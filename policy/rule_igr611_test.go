package policy

import "testing"

func TestIGR611(t *testing.T) {
	runRuleTable(t, ruleIGR611(), map[string]ruleCase{
		"miss: istiooperator chart defaults": {kind: KindIstioOperator, doc: `spec: {}`},
		"miss: istiooperator partial override merges with the defaults": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {proxy: {resources: {requests: {cpu: 50m}}}}}}`,
		},
		"hit: istiooperator limits removed": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {proxy: {resources: {limits: null}}}}}`,
			want: []string{"spec.values.global.proxy.resources.limits"},
		},
		"hit: istiod values resources removed": {
			kind: KindIstiodValues, doc: `{global: {proxy: {resources: null}}}`,
			want: []string{"global.proxy.resources.limits", "global.proxy.resources.requests"},
		},
		"hit: istiod values empty memory request and limit": {
			kind: KindIstiodValues, doc: `{global: {proxy: {resources: {requests: {memory: ""}, limits: {memory: ""}}}}}`,
			want: []string{"global.proxy.resources.limits", "global.proxy.resources.requests"},
		},
		"miss: istiod values seed resources": {
			kind: KindIstiodValues,
			doc:  `{global: {proxy: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2000m, memory: 1Gi}}}}}`,
		},
		"miss: mesh configmap is not a values source": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "{}"),
		},
	})
}
