package policy

import "testing"

func TestIGR610(t *testing.T) {
	runRuleTable(t, ruleIGR610(), map[string]ruleCase{
		"miss: istiooperator defaults (1%)": {kind: KindIstioOperator, doc: `spec: {}`},
		"hit: istiooperator mesh sampling 100": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {defaultConfig: {tracing: {sampling: 100}}}}`,
			want: []string{"spec.meshConfig.defaultConfig.tracing.sampling"},
		},
		"hit: istiooperator pilot.traceSampling 50": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {traceSampling: 50}}}`,
			want: []string{"spec.values.pilot.traceSampling"},
		},
		"hit: istiod values both places": {
			kind: KindIstiodValues, doc: `{traceSampling: 20.5, meshConfig: {defaultConfig: {tracing: {sampling: 11}}}}`,
			want: []string{"meshConfig.defaultConfig.tracing.sampling", "traceSampling"},
		},
		"hit: istiod values pilot.env PILOT_TRACE_SAMPLING string": {
			kind: KindIstiodValues, doc: `{pilot: {env: {PILOT_TRACE_SAMPLING: "100"}}}`,
			want: []string{"pilot.env.PILOT_TRACE_SAMPLING"},
		},
		"hit: istiooperator components.pilot.k8s.env PILOT_TRACE_SAMPLING (the demo profile)": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {env: [{name: OTHER, value: "1"}, {name: PILOT_TRACE_SAMPLING, value: "100"}]}}}}`,
			want: []string{"spec.components.pilot.k8s.env[1].value"},
		},
		"miss: istiod values pilot.env PILOT_TRACE_SAMPLING 1": {
			kind: KindIstiodValues, doc: `{pilot: {env: {PILOT_TRACE_SAMPLING: "1"}}}`,
		},
		"miss: exactly the maximum": {
			kind: KindIstiodValues, doc: `{pilot: {traceSampling: 10}}`,
		},
		"miss: parameter raised": {
			kind: KindIstiodValues, doc: `{pilot: {traceSampling: 50}}`, params: paramsWith(func(p *SamplingParams) { p.MaxSamplingPercent = 50.0 }),
		},
		"hit: mesh configmap sampling 100": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  tracing:\n    sampling: 100"),
			want: []string{"data[mesh].defaultConfig.tracing.sampling"},
		},
		"miss: mesh configmap sampling 1": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  tracing:\n    sampling: 1"),
		},
	})
}
