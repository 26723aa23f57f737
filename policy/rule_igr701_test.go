package policy

import "testing"

func TestIGR701(t *testing.T) {
	runRuleTable(t, ruleIGR701(), map[string]ruleCase{
		"hit: both labels": {
			kind: KindNamespace, doc: `{metadata: {name: apps, labels: {istio-injection: enabled, istio.io/rev: canary}}}`,
			want: []string{"metadata.labels[istio.io/rev]"},
		},
		"hit: injection disabled next to a revision": {
			kind: KindNamespace, doc: `{metadata: {name: apps, labels: {istio-injection: disabled, istio.io/rev: canary}}}`,
			want: []string{"metadata.labels[istio.io/rev]"},
		},
		"miss: only istio-injection": {kind: KindNamespace, doc: `{metadata: {name: apps, labels: {istio-injection: enabled}}}`},
		"miss: only istio.io/rev":    {kind: KindNamespace, doc: `{metadata: {name: apps, labels: {istio.io/rev: canary}}}`},
		"miss: no labels":            {kind: KindNamespace, doc: `{metadata: {name: apps}}`},
	})
}

func TestIGR701Message(t *testing.T) {
	obj := testObject(t, KindNamespace, `{metadata: {name: apps, labels: {istio-injection: enabled, istio.io/rev: canary}}}`)
	vs := ruleIGR701().Check(nil, obj, nil)
	want := `metadata.labels[istio.io/rev]: "canary" is ignored because istio-injection=enabled is also set`
	if len(vs) != 1 || vs[0].Text() != want {
		t.Errorf("violations = %+v, want one with text %q", vs, want)
	}
}
