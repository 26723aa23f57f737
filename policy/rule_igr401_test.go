package policy

import "testing"

func TestIGR401(t *testing.T) {
	runRuleCases(t, ruleIGR401(), authzObject, map[string]r2Case{
		"hit: rules [{}] allows everything": {
			spec: `rules: [{}]`,
			want: []string{"spec.rules[0]"},
		},
		"hit: explicit ALLOW with an empty rule after a restricted one": {
			spec: `action: ALLOW
rules:
- from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]
- {}`,
			want: []string{"spec.rules[1]"},
		},
		"hit: several empty rules": {
			spec: `rules: [{}, {}]`,
			want: []string{"spec.rules[0]", "spec.rules[1]"},
		},
		"miss: spec {} denies everything": {spec: `{}`},
		"miss: ALLOW without rules denies everything": {
			spec: `action: ALLOW
selector: {matchLabels: {app: cart}}`,
		},
		"miss: DENY with an empty rule denies everything": {spec: `{action: DENY, rules: [{}]}`},
		"miss: AUDIT with an empty rule":                  {spec: `{action: AUDIT, rules: [{}]}`},
		"miss: CUSTOM with an empty rule":                 {spec: `{action: CUSTOM, provider: {name: ext-authz}, rules: [{}]}`},
		"miss: rule with only when": {
			spec: `rules: [{when: [{key: "request.auth.claims[group]", values: [admins]}]}]`,
		},
		"miss: rule with only to": {
			spec: `rules: [{to: [{operation: {methods: [GET]}}]}]`,
		},
	})
}
