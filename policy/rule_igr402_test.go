package policy

import "testing"

func TestIGR402(t *testing.T) {
	runRuleTable(t, ruleIGR402(), map[string]ruleCase{
		"hit: rule without from": {
			doc:  `rules: [{to: [{operation: {methods: [GET]}}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"hit: principals wildcard": {
			doc:  `rules: [{from: [{source: {principals: ["*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: wildcard ORed with a concrete principal": {
			doc:  `rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web, "*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[1]"},
		},
		"miss: requestPrincipals * is Istio's idiom for requiring a valid JWT, ANDed with namespaces *": {
			doc: `rules: [{from: [{source: {namespaces: ["*"], requestPrincipals: ["*"]}}]}]`,
		},
		"hit: wildcard namespaces and wildcard principals are both open": {
			doc:  `rules: [{from: [{source: {namespaces: ["*"], principals: ["*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.namespaces[0]", "spec.rules[0].from[0].source.principals[0]"},
		},
		"miss: fields of one source are ANDed: an open principal with a fixed namespace": {
			doc: `rules: [{from: [{source: {principals: ["*"], namespaces: [shop]}}]}]`,
		},
		"miss: fields of one source are ANDed: an open IP block with a fixed service account": {
			doc: `rules: [{from: [{source: {ipBlocks: [0.0.0.0/0], serviceAccounts: [shop/web]}}]}]`,
		},
		"hit: from entries are ORed: one open entry opens the rule": {
			doc:  `rules: [{from: [{source: {namespaces: [shop]}}, {source: {principals: ["*"]}}]}]`,
			want: []string{"spec.rules[0].from[1].source.principals[0]"},
		},
		"miss: when is ANDed with from: an open from pinned by when": {
			doc: `rules: [{from: [{source: {principals: ["*"]}}], when: [{key: source.namespace, values: [shop]}]}]`,
		},
		"hit: ipBlocks and remoteIpBlocks covering every address": {
			doc:  `rules: [{from: [{source: {ipBlocks: [0.0.0.0/0]}}, {source: {remoteIpBlocks: ["::/0"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.ipBlocks[0]", "spec.rules[0].from[1].source.remoteIpBlocks[0]"},
		},
		"hit: source with only negative matches restricts nothing positively": {
			doc:  `rules: [{from: [{source: {notNamespaces: [untrusted]}}]}]`,
			want: []string{"spec.rules[0].from[0].source"},
		},
		"hit: empty second source": {
			doc:  `rules: [{from: [{source: {namespaces: [shop]}}, {source: {}}]}]`,
			want: []string{"spec.rules[0].from[1].source"},
		},
		"hit: second rule opens up": {
			doc: `rules:
- from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]
- to: [{operation: {paths: [/healthz]}}]`,
			want: []string{"spec.rules[1].from"},
		},
		"hit: when on a source key with a wildcard value does not pin the caller": {
			doc:  `rules: [{when: [{key: source.namespace, values: ["*"]}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"hit: when on a non-source key does not pin the caller": {
			doc:  `rules: [{when: [{key: "request.headers[x-user]", values: [admin]}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"hit: principal prefix spanning a whole trust domain": {
			doc:  `rules: [{from: [{source: {principals: ["cluster.local/*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: principal prefix spanning every namespace": {
			doc:  `rules: [{from: [{source: {principals: ["cluster.local/ns/*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: principal prefix cut inside the trust domain": {
			doc:  `rules: [{from: [{source: {principals: ["clus*"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: principal suffix naming a service account in any namespace": {
			doc:  `rules: [{from: [{source: {principals: ["*/sa/web"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.principals[0]"},
		},
		"hit: ipBlocks split into halves that cover every IPv4 address": {
			doc:  `rules: [{from: [{source: {ipBlocks: [0.0.0.0/1, 128.0.0.0/1]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.ipBlocks"},
		},
		"hit: remoteIpBlocks split ranges covering every IPv6 address": {
			doc:  `rules: [{from: [{source: {remoteIpBlocks: ["::/1", "8000::/1"]}}]}]`,
			want: []string{"spec.rules[0].from[0].source.remoteIpBlocks"},
		},
		"hit: when source.ip with split ranges does not pin the caller": {
			doc:  `rules: [{when: [{key: source.ip, values: [0.0.0.0/1, 128.0.0.0/1]}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"hit: when remote.ip covering everything does not pin the caller": {
			doc:  `rules: [{when: [{key: remote.ip, values: [0.0.0.0/0]}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"hit: when source.principal spanning the trust domain does not pin the caller": {
			doc:  `rules: [{when: [{key: source.principal, values: ["cluster.local/*"]}]}]`,
			want: []string{"spec.rules[0].from"},
		},
		"miss: principal wildcards that fix the namespace": {
			doc: `rules: [{from: [{source: {principals: ["cluster.local/ns/shop/*", "*/ns/shop/sa/web", "cluster.local/ns/sh*"]}}]}]`,
		},
		"miss: split IP ranges leaving a gap": {
			doc: `rules: [{from: [{source: {ipBlocks: [0.0.0.0/1, 192.0.0.0/2]}}]}]`,
		},
		"miss: when source.ip with a concrete range": {
			doc: `rules: [{when: [{key: source.ip, values: [10.0.0.0/8]}]}]`,
		},
		"miss: concrete principals, namespaces, service accounts and IP blocks": {
			doc: `rules:
- from:
  - {source: {principals: [cluster.local/ns/shop/sa/web]}}
  - {source: {namespaces: [shop]}}
  - {source: {serviceAccounts: [shop/web]}}
  - {source: {ipBlocks: [10.0.0.0/8], remoteIpBlocks: [203.0.113.0/24]}}
  - {source: {requestPrincipals: [https://issuer.example.com/alice]}}`,
		},
		"miss: when pins the caller": {
			doc: `rules: [{when: [{key: source.principal, values: [cluster.local/ns/shop/sa/web]}], to: [{operation: {methods: [GET]}}]}]`,
		},
		"miss: when on a JWT claim pins the caller": {
			doc: `rules: [{when: [{key: "request.auth.claims[groups]", values: [admins]}]}]`,
		},
		"miss: DENY from any source":   {doc: `{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}`},
		"miss: empty rule is IGR401's": {doc: `rules: [{}]`},
	})
}
