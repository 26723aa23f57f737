package policy

import "testing"

func TestIGR615(t *testing.T) {
	runRuleTable(t, ruleIGR615(), map[string]ruleCase{
		"hit: the issue's 100% mesh-wide": {
			doc: `tracing: [{randomSamplingPercentage: 100}]`, namespace: "istio-system",
			want: []string{"spec.tracing[0].randomSamplingPercentage"},
		},
		"hit: just above the maximum, second entry, workload scope": {
			doc: `selector: {matchLabels: {app: api}}
tracing: [{randomSamplingPercentage: 1}, {providers: [{name: zipkin}], randomSamplingPercentage: 10.01}]`,
			want: []string{"spec.tracing[1].randomSamplingPercentage"},
		},
		"hit: lower maximum by parameter": {
			doc: `tracing: [{randomSamplingPercentage: 5}]`, params: paramsWith(func(p *SamplingParams) { p.MaxSamplingPercent = 1.0 }),
			want: []string{"spec.tracing[0].randomSamplingPercentage"},
		},
		"miss: at the maximum, unset, zero": {
			doc: `tracing: [{randomSamplingPercentage: 10}, {disableSpanReporting: true}, {randomSamplingPercentage: 0}]`,
		},
		"miss: no tracing": {doc: `accessLogging: [{providers: [{name: envoy}]}]`},
	})
	checkRuleNil(t, ruleIGR615())
}
