package policy

import "testing"

func TestIGR306(t *testing.T) {
	runRuleTable(t, ruleIGR306(), map[string]ruleCase{
		"hit: explicit PASSTHROUGH": {
			doc:  `servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [a.example.com], tls: {mode: PASSTHROUGH}}]`,
			want: []string{"spec.servers[0].tls.mode"},
		},
		"hit: HTTPS server whose tls sets no mode defaults to PASSTHROUGH": {
			doc:  `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {minProtocolVersion: TLSV1_2}}]`,
			want: []string{"spec.servers[0].tls.mode"},
		},
		"hit: AUTO_PASSTHROUGH in the second server": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: c}}
- {port: {number: 15443, name: tls, protocol: TLS}, hosts: ["*.local"], tls: {mode: AUTO_PASSTHROUGH}}`,
			want: []string{"spec.servers[1].tls.mode"},
		},
		"miss: HTTP server with redirect has the zero mode but no TLS": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com], tls: {httpsRedirect: true}}]`,
		},
		"miss: terminating modes": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a}}
- {port: {number: 8443, name: https-2, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: MUTUAL, credentialName: b}}
- {port: {number: 9443, name: tls, protocol: TLS}, hosts: [c.example.com], tls: {mode: ISTIO_MUTUAL}}`,
		},
		"miss: HTTPS server without tls is IGR301's": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com]}]`,
		},
	})
}
