package policy

import "testing"

func TestIGR406(t *testing.T) {
	ambient := map[string]map[string]string{"apps": {"istio.io/dataplane-mode": "ambient"}}
	sidecar := map[string]map[string]string{"apps": {"istio-injection": "enabled"}}
	runRuleTable(t, ruleIGR406(), map[string]ruleCase{
		"hit: CUSTOM by selector is not enforced": {ns: ambient,
			doc:  `{selector: {matchLabels: {app: api}}, action: CUSTOM, provider: {name: ext-authz}, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}`,
			want: []string{"spec.action"},
		},
		"hit: AUDIT namespace-wide": {ns: ambient, doc: `{action: AUDIT, rules: [{}]}`, want: []string{"spec.action"}},
		"hit: ALLOW with HTTP attributes in every hiding place": {ns: ambient,
			doc: `selector: {matchLabels: {app: api}}
rules:
- from: [{source: {principals: [cluster.local/ns/a/sa/b], requestPrincipals: ["*"]}}, {source: {notRemoteIpBlocks: [10.0.0.0/8], remoteIpBlocks: [1.2.3.4]}}]
  to: [{operation: {methods: [GET], ports: ["8080"]}}, {operation: {notPaths: [/x], hosts: [a.example.com], notHosts: [b], notMethods: [POST], paths: [/y]}}]
  when: [{key: "request.headers[x-user]", values: [a]}, {key: source.namespace, values: [a]}]
- from: [{source: {notRequestPrincipals: [x]}}]`,
			want: []string{
				"spec.rules[0].from[0].source.requestPrincipals (advisory)",
				"spec.rules[0].from[1].source.notRemoteIpBlocks (advisory)",
				"spec.rules[0].from[1].source.remoteIpBlocks (advisory)",
				"spec.rules[0].to[0].operation.methods (advisory)",
				"spec.rules[0].to[1].operation.hosts (advisory)",
				"spec.rules[0].to[1].operation.notHosts (advisory)",
				"spec.rules[0].to[1].operation.notMethods (advisory)",
				"spec.rules[0].to[1].operation.notPaths (advisory)",
				"spec.rules[0].to[1].operation.paths (advisory)",
				"spec.rules[0].when[0].key (advisory)",
				"spec.rules[1].from[0].source.notRequestPrincipals (advisory)",
			},
			ordered: true,
		},
		"hit: DENY with a path": {ns: ambient,
			doc:  `{action: DENY, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}`,
			want: []string{"spec.rules[0].to[0].operation.paths (advisory)"},
		},
		"miss: L4 policy by selector": {ns: ambient,
			doc: `{selector: {matchLabels: {app: api}}, rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/b], namespaces: [a], ipBlocks: [10.0.0.0/8]}}],
  to: [{operation: {ports: ["8080"], notPorts: ["9090"]}}], when: [{key: destination.port, values: ["8080"]}, {key: source.ip, values: [10.0.0.1]}]}]}`,
		},
		"miss: L7 and CUSTOM policies attached to a waypoint": {ns: ambient,
			doc: `{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}], action: CUSTOM, provider: {name: ext-authz},
  rules: [{to: [{operation: {methods: [GET]}}]}]}`,
		},
		"miss: deprecated targetRef to a waypoint": {ns: ambient,
			doc: `{targetRef: {kind: Service, name: api}, rules: [{to: [{operation: {methods: [GET]}}]}]}`,
		},
		"miss: sidecar namespace": {ns: sidecar,
			doc: `{selector: {matchLabels: {app: api}}, action: CUSTOM, provider: {name: ext-authz}, rules: [{to: [{operation: {methods: [GET]}}]}]}`,
		},
		"miss: namespace unknown": {
			doc: `{action: CUSTOM, provider: {name: ext-authz}, rules: [{to: [{operation: {methods: [GET]}}]}]}`,
		},
	})
	checkRuleNil(t, ruleIGR406())
}
