package policy

import "testing"

func TestIGR404(t *testing.T) {
	runRuleTable(t, ruleIGR404(), map[string]ruleCase{
		"hit: namespace/serviceaccount shorthand": {
			doc:  `rules: [{from: [{source: {principals: [shop/web]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: spiffe prefix never matches": {
			doc:  `rules: [{from: [{source: {principals: [spiffe://cluster.local/ns/shop/sa/web]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: malformed notPrincipals in a DENY policy lets the caller through": {
			doc: `action: DENY
rules: [{from: [{source: {notPrincipals: [cluster.local/ns/shop/serviceaccount/web]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.notPrincipals[0]"},
		},
		"hit: second source of the second rule": {
			doc: `rules:
- from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]
- from: [{source: {namespaces: [shop]}}, {source: {principals: [cluster.local/ns/shop/sa/web, ns/shop/sa/cart]}}]`,
			want: []string{"spec.rules[1].from[1].source.principals[1]"},
		},
		"hit: source.principal condition values and notValues": {
			doc:  `rules: [{when: [{key: source.principal, values: [web], notValues: [cluster.local/ns/a/sa/b/c]}]}]`,
			want: []string{"spec.rules[0].when[0].notValues[0]", "spec.rules[0].when[0].values[0]"},
		},
		"hit: infix wildcard is not supported": {
			doc:  `rules: [{from: [{source: {principals: ["cluster.local/ns/*/sa/web"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: wildcard prefix with a wrong keyword": {
			doc:  `rules: [{from: [{source: {principals: ["cluster.local/namespace/*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"miss: exact principals, prefix and suffix wildcards and bare *": {
			doc: `rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web, "cluster.local/ns/shop/*",
  "*/ns/shop/sa/web", "*", "*-web", "prod.example.com/ns/shop/sa/w*"]}}]}]`,
		},
		"miss: conditions on other keys are not principals": {
			doc: `rules: [{when: [{key: source.namespace, values: [shop]}]}]`,
		},
	})
}

func TestPrincipalProblem(t *testing.T) {
	for desc, tc := range map[string]struct {
		principal string
		ok        bool
	}{
		"exact":                          {"cluster.local/ns/shop/sa/web", true},
		"any":                            {"*", true},
		"prefix at a segment boundary":   {"cluster.local/ns/shop/sa/*", true},
		"prefix inside a keyword":        {"cluster.local/n*", true},
		"prefix of trust domain":         {"cluster.*", true},
		"suffix at a segment boundary":   {"*/ns/shop/sa/web", true},
		"suffix inside a keyword":        {"*s/shop/sa/web", true},
		"suffix of the service account":  {"*web", true},
		"empty":                          {"", false},
		"too few segments":               {"cluster.local/ns/shop/sa", false},
		"too many segments":              {"cluster.local/ns/shop/sa/web/x", false},
		"prefix with too many segments":  {"cluster.local/ns/shop/sa/web/*", false},
		"empty namespace":                {"cluster.local/ns//sa/web", false},
		"empty trust domain":             {"/ns/shop/sa/web", false},
		"wrong keyword":                  {"cluster.local/namespace/shop/sa/web", false},
		"suffix with wrong keyword":      {"*/shop/serviceaccount/web", false},
		"prefix inside a wrong keyword":  {"cluster.local/x*", false},
		"suffix inside a wrong keyword":  {"*x/shop/sa/web", false},
		"wildcards at both ends":         {"*/ns/shop/*", false},
		"spiffe scheme":                  {"spiffe://cluster.local/ns/shop/sa/web", false},
		"kubernetes service account ref": {"system:serviceaccount:shop:web", false},
	} {
		t.Run(desc, func(t *testing.T) {
			msg := principalProblem(tc.principal)
			if (msg == "") != tc.ok {
				t.Errorf("principalProblem(%q) = %q, want ok=%v", tc.principal, msg, tc.ok)
			}
		})
	}
}
