package policy

import "testing"

func TestIGR401(t *testing.T) {
	runRuleTable(t, ruleIGR401(), map[string]ruleCase{
		"hit: rules [{}] allows everything": {
			doc:  `rules: [{}]`,
			want: []string{"spec.rules[0]"},
		},
		"hit: explicit ALLOW with an empty rule after a restricted one": {
			doc: `action: ALLOW
rules:
- from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]
- {}`,
			want: []string{"spec.rules[1]"},
		},
		"hit: several empty rules": {
			doc:  `rules: [{}, {}]`,
			want: []string{"spec.rules[0]", "spec.rules[1]"},
		},
		"miss: spec {} denies everything": {doc: `{}`},
		"miss: ALLOW without rules denies everything": {
			doc: `action: ALLOW
selector: {matchLabels: {app: cart}}`,
		},
		"miss: DENY with an empty rule denies everything": {doc: `{action: DENY, rules: [{}]}`},
		"miss: AUDIT with an empty rule":                  {doc: `{action: AUDIT, rules: [{}]}`},
		"miss: CUSTOM with an empty rule":                 {doc: `{action: CUSTOM, provider: {name: ext-authz}, rules: [{}]}`},
		"miss: rule with only when": {
			doc: `rules: [{when: [{key: "request.auth.claims[group]", values: [admins]}]}]`,
		},
		"miss: rule with only to": {
			doc: `rules: [{to: [{operation: {methods: [GET]}}]}]`,
		},
	})
}
