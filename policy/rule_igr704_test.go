package policy

import "testing"

func TestIGR704(t *testing.T) {
	runRuleTable(t, ruleIGR704(), map[string]ruleCase{
		"hit: any envoyfilter": {
			kind: KindEnvoyFilter, want: []string{"spec.configPatches"},
			doc: `{configPatches: [{applyTo: HTTP_FILTER, match: {context: SIDECAR_INBOUND},
  patch: {operation: INSERT_BEFORE, value: {name: envoy.lua}}}]}`,
		},
		"hit: empty envoyfilter": {kind: KindEnvoyFilter, doc: `{}`, want: []string{"spec.configPatches"}},
	})
}

func TestIGR704IsAWarning(t *testing.T) {
	got := engineFindings(t, nil, testObject(t, KindEnvoyFilter, `{}`), "IGR704")
	if want := "IGR704 spec.configPatches warn"; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
}
