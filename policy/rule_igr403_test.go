package policy

import "testing"

func TestIGR403(t *testing.T) {
	runRuleTable(t, ruleIGR403(), map[string]ruleCase{
		"hit: every negative source field": {
			doc: `rules: [{from: [{source: {notPrincipals: [a/ns/b/sa/c], notRequestPrincipals: [x/y], notNamespaces: [other],
  notServiceAccounts: [n/s], notIpBlocks: [10.0.0.1], notRemoteIpBlocks: [10.0.0.2], notTrustDomains: [td]}}]}]`,
			want: []string{
				"spec.rules[0].from[0].source.notIpBlocks",
				"spec.rules[0].from[0].source.notNamespaces",
				"spec.rules[0].from[0].source.notPrincipals",
				"spec.rules[0].from[0].source.notRemoteIpBlocks",
				"spec.rules[0].from[0].source.notRequestPrincipals",
				"spec.rules[0].from[0].source.notServiceAccounts",
				"spec.rules[0].from[0].source.notTrustDomains",
			},
		},
		"hit: every negative operation field, in the second to": {
			doc: `rules: [{to: [{operation: {methods: [GET]}}, {operation: {notHosts: [a], notPorts: ["8080"], notMethods: [DELETE], notPaths: [/admin]}}]}]`,
			want: []string{
				"spec.rules[0].to[1].operation.notHosts",
				"spec.rules[0].to[1].operation.notMethods",
				"spec.rules[0].to[1].operation.notPaths",
				"spec.rules[0].to[1].operation.notPorts",
			},
		},
		"hit: when notValues in the second rule and second condition": {
			doc: `rules:
- from: [{source: {namespaces: [shop]}}]
- when: [{key: source.namespace, values: [shop]}, {key: "request.headers[x-env]", notValues: [prod]}]`,
			want: []string{"spec.rules[1].when[1].notValues"},
		},
		"hit: action unset is ALLOW": {
			doc:  `rules: [{to: [{operation: {notPaths: [/admin/*]}}]}]`,
			want: []string{"spec.rules[0].to[0].operation.notPaths"},
		},
		"miss: negative matches in a DENY policy are the recommended pattern": {
			doc: `action: DENY
rules: [{from: [{source: {notNamespaces: [shop]}}], to: [{operation: {notPaths: [/public/*]}}], when: [{key: source.ip, notValues: [10.0.0.1]}]}]`,
		},
		"miss: positive matches only": {
			doc: `rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {methods: [GET], paths: [/api/*]}}], when: [{key: source.ip, values: [10.0.0.1]}]}]`,
		},
	})
}
