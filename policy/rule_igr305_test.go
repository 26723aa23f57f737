package policy

import "testing"

func TestIGR305(t *testing.T) {
	runRuleCases(t, ruleIGR305(), gatewayObject, map[string]r2Case{
		"hit: bare wildcard host": {
			spec: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]`,
			want: []string{"spec.servers[0].hosts[0]"},
		},
		"hit: any namespace, any host": {
			spec: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com, "*/*"]}]`,
			want: []string{"spec.servers[0].hosts[1]"},
		},
		"hit: wildcard in every server": {
			spec: `servers:
- {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [" */* "], tls: {mode: SIMPLE, credentialName: c}}`,
			want: []string{"spec.servers[0].hosts[0]", "spec.servers[1].hosts[0]"},
		},
		"miss: named hosts": {
			spec: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com, "*.example.com", "*/b.example.com"]}]`,
		},
		"miss: wildcard restricted to a namespace": {
			spec: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["./*", "team-a/*"]}]`,
		},
	})
}
