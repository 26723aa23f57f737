package policy

import "testing"

func TestIGR103(t *testing.T) {
	runRuleTable(t, ruleIGR103(), map[string]ruleCase{
		"no jwt rules":                          {doc: ``},
		"issuer with https jwksUri is fine":     {doc: `jwtRules: [{issuer: "https://idp.example.com", jwksUri: "https://idp.example.com/jwks.json"}]`},
		"issuer with inline jwks is fine":       {doc: `jwtRules: [{issuer: "idp", jwks: "{\"keys\":[]}"}]`},
		"issuer without jwksUri uses discovery": {doc: `jwtRules: [{issuer: "https://accounts.google.com"}]`},
		"upper-case scheme is https":            {doc: `jwtRules: [{issuer: "idp", jwksUri: "HTTPS://idp.example.com/k"}]`},
		"missing issuer is denied": {doc: `jwtRules: [{jwksUri: "https://idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].issuer"}},
		"blank issuer is denied": {doc: `jwtRules: [{issuer: "  "}]`,
			want: []string{"spec.jwtRules[0].issuer"}},
		"http jwksUri is denied": {doc: `jwtRules: [{issuer: "idp", jwksUri: "http://idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		"https without host is denied": {doc: `jwtRules: [{issuer: "idp", jwksUri: "https:///k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		"relative jwksUri is denied": {doc: `jwtRules: [{issuer: "idp", jwksUri: "idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		"every rule is checked": {doc: `jwtRules: [{issuer: "a", jwksUri: "https://a/k"}, {jwksUri: "http://b/k"}]`,
			want: []string{"spec.jwtRules[1].issuer", "spec.jwtRules[1].jwksUri"}},
	})
}

func TestIGR103Action(t *testing.T) {
	obj := testObject(t, KindRequestAuthentication, `jwtRules: [{issuer: "idp", jwksUri: "http://idp/k"}]`)
	got := engineActions(t, obj, "IGR103")
	if got["spec.jwtRules[0].jwksUri"] != ActionDeny {
		t.Errorf("IGR103 actions = %v, want deny on spec.jwtRules[0].jwksUri", got)
	}
}

func TestIGR103Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR103())
}
