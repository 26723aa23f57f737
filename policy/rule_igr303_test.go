package policy

import "testing"

func TestIGR303(t *testing.T) {
	runRuleTable(t, ruleIGR303(), map[string]ruleCase{
		"hit: HTTP server without tls": {
			doc:  `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}]`,
			want: []string{"spec.servers[0].tls.httpsRedirect"},
		},
		"hit: HTTP server with httpsRedirect false": {
			doc:  `servers: [{port: {number: 80, name: http, protocol: http}, hosts: [a.example.com], tls: {httpsRedirect: false}}]`,
			want: []string{"spec.servers[0].tls.httpsRedirect"},
		},
		"hit: HTTP2 and GRPC servers are plaintext HTTP too": {
			doc: `servers:
- {port: {number: 8080, name: http2, protocol: HTTP2}, hosts: [a.example.com]}
- {port: {number: 9090, name: grpc, protocol: GRPC}, hosts: [b.example.com]}`,
			want: []string{"spec.servers[0].tls.httpsRedirect", "spec.servers[1].tls.httpsRedirect"},
		},
		"hit: second HTTP server without redirect": {
			doc: `servers:
- {port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com], tls: {httpsRedirect: true}}
- {port: {number: 8080, name: http-alt, protocol: HTTP}, hosts: [b.example.com]}`,
			want: []string{"spec.servers[1].tls.httpsRedirect"},
		},
		"miss: HTTP server redirecting to HTTPS": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com], tls: {httpsRedirect: true}}]`,
		},
		"miss: HTTPS and TCP servers": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: c}}
- {port: {number: 5432, name: tcp, protocol: TCP}, hosts: [b.example.com]}`,
		},
	})
}
