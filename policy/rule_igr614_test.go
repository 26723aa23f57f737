package policy

import "testing"

func TestIGR614(t *testing.T) {
	runRuleTable(t, ruleIGR614(), map[string]ruleCase{
		"hit: mesh-wide from the root namespace": {
			doc: `accessLogging: [{disabled: true}]`, namespace: "istio-system",
			want: []string{"spec.accessLogging[0].disabled"},
		},
		"hit: namespace scope, second entry, named provider": {
			doc:  `accessLogging: [{providers: [{name: otel}]}, {providers: [{name: envoy}], disabled: true}]`,
			want: []string{"spec.accessLogging[1].disabled"},
		},
		"hit: workload scope by selector and by targetRefs": {
			doc: `selector: {matchLabels: {app: api}}
accessLogging: [{disabled: true, match: {mode: SERVER}}]`,
			want: []string{"spec.accessLogging[0].disabled"},
		},
		"hit: targetRefs": {
			doc: `targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
accessLogging: [{disabled: true}]`,
			want: []string{"spec.accessLogging[0].disabled"},
		},
		"miss: logs on, explicitly or by default, with a filter": {
			doc: `accessLogging:
- {disabled: false}
- {providers: [{name: envoy}], filter: {expression: "response.code >= 400"}}`,
		},
		"miss: only tracing and metrics": {
			doc: `tracing: [{randomSamplingPercentage: 1}]
metrics: [{overrides: [{disabled: true}]}]`,
		},
	})
	checkRuleNil(t, ruleIGR614())
}

func TestTelemetryScope(t *testing.T) {
	p := defaults(ruleIGR614().Params)
	for desc, tc := range map[string]struct {
		ns, doc, want string
	}{
		"root namespace":       {"istio-system", `accessLogging: [{disabled: true}]`, "turns access logging off mesh-wide"},
		"other namespace":      {"apps", `accessLogging: [{disabled: true}]`, "turns access logging off for the whole namespace"},
		"selector in root":     {"istio-system", `{selector: {matchLabels: {a: b}}, accessLogging: [{disabled: true}]}`, "turns access logging off for the selected workloads"},
		"deprecated targetRef": {"apps", `{targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: w}, accessLogging: [{disabled: true}]}`, "turns access logging off for the selected workloads"},
	} {
		t.Run(desc, func(t *testing.T) {
			obj := testObject(t, KindTelemetry, tc.doc)
			obj.Meta.Namespace = tc.ns
			vs := ruleIGR614().Check(&Context{}, obj, p)
			if len(vs) != 1 || vs[0].Message != tc.want {
				t.Errorf("violations %+v, want one with message %q", vs, tc.want)
			}
		})
	}
}
