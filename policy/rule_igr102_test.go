package policy

import "testing"

func TestIGR102(t *testing.T) {
	const sel = "selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\n"
	runRuleTable(t, ruleIGR102(), map[string]ruleCase{
		"no port-level mTLS":              {doc: sel},
		"STRICT and UNSET ports are fine": {doc: sel + `portLevelMtls: {"8080": {mode: STRICT}, "9090": {mode: UNSET}}`},
		"PERMISSIVE port under STRICT top level is denied": {doc: sel + `portLevelMtls: {"8080": {mode: PERMISSIVE}}`,
			want: []string{"spec.portLevelMtls[8080].mode"}},
		"DISABLE port is denied": {doc: sel + `portLevelMtls: {"15021": {mode: DISABLE}}`,
			want: []string{"spec.portLevelMtls[15021].mode"}},
		"empty entry means UNSET and inherits": {doc: sel + `portLevelMtls: {"8080": {}}`},
		"weak ports reported in numeric order": {ordered: true, doc: sel +
			`portLevelMtls: {"9000": {mode: DISABLE}, "80": {mode: PERMISSIVE}, "443": {mode: STRICT}, "1000": {mode: DISABLE}}`,
			want: []string{"spec.portLevelMtls[80].mode", "spec.portLevelMtls[1000].mode", "spec.portLevelMtls[9000].mode"}},
		"checked even without a selector": {doc: `portLevelMtls: {"8080": {mode: PERMISSIVE}}`,
			want: []string{"spec.portLevelMtls[8080].mode"}},
		"top-level mode is left to IGR101": {doc: `mtls: {mode: DISABLE}`},
	})
}

func TestIGR102Action(t *testing.T) {
	obj := testObject(t, KindPeerAuthentication, "selector: {matchLabels: {app: web}}\nportLevelMtls: {\"8080\": {mode: PERMISSIVE}}")
	got := engineActions(t, obj, "IGR102")
	if got["spec.portLevelMtls[8080].mode"] != ActionDeny {
		t.Errorf("IGR102 actions = %v, want deny on spec.portLevelMtls[8080].mode", got)
	}
}

func TestIGR102Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR102())
}
