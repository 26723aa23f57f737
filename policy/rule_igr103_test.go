package policy

import (
	"testing"

	securityapi "istio.io/api/security/v1beta1"
)

func TestIGR103(t *testing.T) {
	rules1Run(t, ruleIGR103(), KindRequestAuthentication, []rules1Case{
		{desc: "no jwt rules", spec: ``},
		{desc: "issuer with https jwksUri is fine",
			spec: `jwtRules: [{issuer: "https://idp.example.com", jwksUri: "https://idp.example.com/jwks.json"}]`},
		{desc: "issuer with inline jwks is fine", spec: `jwtRules: [{issuer: "idp", jwks: "{\"keys\":[]}"}]`},
		{desc: "issuer without jwksUri uses discovery", spec: `jwtRules: [{issuer: "https://accounts.google.com"}]`},
		{desc: "upper-case scheme is https", spec: `jwtRules: [{issuer: "idp", jwksUri: "HTTPS://idp.example.com/k"}]`},
		{desc: "missing issuer is denied", spec: `jwtRules: [{jwksUri: "https://idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].issuer"}},
		{desc: "blank issuer is denied", spec: `jwtRules: [{issuer: "  "}]`,
			want: []string{"spec.jwtRules[0].issuer"}},
		{desc: "http jwksUri is denied", spec: `jwtRules: [{issuer: "idp", jwksUri: "http://idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		{desc: "https without host is denied", spec: `jwtRules: [{issuer: "idp", jwksUri: "https:///k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		{desc: "relative jwksUri is denied", spec: `jwtRules: [{issuer: "idp", jwksUri: "idp.example.com/k"}]`,
			want: []string{"spec.jwtRules[0].jwksUri"}},
		{desc: "every rule is checked", spec: `jwtRules: [{issuer: "a", jwksUri: "https://a/k"}, {jwksUri: "http://b/k"}]`,
			want: []string{"spec.jwtRules[1].issuer", "spec.jwtRules[1].jwksUri"}},
	})
}

func TestIGR103Action(t *testing.T) {
	obj := rules1Object(t, KindRequestAuthentication, "apps", `jwtRules: [{issuer: "idp", jwksUri: "http://idp/k"}]`)
	got := rules1Actions(t, obj, "IGR103")
	if got["spec.jwtRules[0].jwksUri"] != ActionDeny {
		t.Errorf("IGR103 actions = %v, want deny on spec.jwtRules[0].jwksUri", got)
	}
}

func TestIGR103Nil(t *testing.T) {
	rules1Nil(t, ruleIGR103(), KindRequestAuthentication, (*securityapi.RequestAuthentication)(nil))
}
