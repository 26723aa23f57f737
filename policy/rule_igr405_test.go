package policy

import "testing"

func TestIGR405(t *testing.T) {
	runRuleTable(t, ruleIGR405(), map[string]ruleCase{
		"hit: rule without to": {
			doc:  `rules: [{from: [{source: {namespaces: [shop]}}]}]`,
			want: []string{"spec.rules[0].to"},
		},
		"hit: operation with wildcards only": {
			doc:  `rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {paths: ["*"], methods: ["*"]}}]}]`,
			want: []string{"spec.rules[0].to[0].operation"},
		},
		"hit: empty second operation": {
			doc:  `rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {methods: [GET]}}, {operation: {}}]}]`,
			want: []string{"spec.rules[0].to[1].operation"},
		},
		"hit: second rule without to": {
			doc: `rules:
- {from: [{source: {namespaces: [shop]}}], to: [{operation: {ports: ["8080"]}}]}
- {from: [{source: {namespaces: [ops]}}], when: [{key: "request.headers[x-debug]", values: ["1"]}]}`,
			want: []string{"spec.rules[1].to"},
		},
		"miss: operations restricted by hosts, ports, methods, paths or a negative match": {
			doc: `rules: [{from: [{source: {namespaces: [shop]}}], to: [
  {operation: {hosts: [a.example.com]}}, {operation: {ports: ["8080"]}},
  {operation: {methods: [GET]}}, {operation: {paths: [/api/*]}}, {operation: {notPaths: [/admin]}}]}]`,
		},
		"miss: when on destination.port restricts the operation": {
			doc: `rules: [{from: [{source: {namespaces: [shop]}}], when: [{key: destination.port, values: ["9080"]}]}]`,
		},
		"miss: DENY without to":        {doc: `{action: DENY, rules: [{from: [{source: {namespaces: [untrusted]}}]}]}`},
		"miss: empty rule is IGR401's": {doc: `rules: [{}]`},
	})
}
