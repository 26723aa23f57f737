package policy

import "testing"

func TestIGR305(t *testing.T) {
	runRuleTable(t, ruleIGR305(), map[string]ruleCase{
		"hit: bare wildcard host": {
			doc:  `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]`,
			want: []string{"spec.servers[0].hosts[0]"},
		},
		"hit: any namespace, any host": {
			doc:  `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com, "*/*"]}]`,
			want: []string{"spec.servers[0].hosts[1]"},
		},
		"hit: wildcard in every server": {
			doc: `servers:
- {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [" */* "], tls: {mode: SIMPLE, credentialName: c}}`,
			want: []string{"spec.servers[0].hosts[0]", "spec.servers[1].hosts[0]"},
		},
		"miss: named hosts": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com, "*.example.com", "*/b.example.com"]}]`,
		},
		"miss: wildcard restricted to a namespace": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["./*", "team-a/*"]}]`,
		},
	})
}
