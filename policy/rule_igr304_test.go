package policy

import (
	"strings"
	"testing"
)

func TestIGR304(t *testing.T) {
	runRuleTable(t, ruleIGR304(), map[string]ruleCase{
		"hit: SIMPLE with certificate files": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}}]`,
			want: []string{"spec.servers[0].tls.credentialName"},
		},
		"hit: MUTUAL with a CA file only": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: MUTUAL, caCertificates: /etc/certs/ca.crt}}]`,
			want: []string{"spec.servers[0].tls.credentialName"},
		},
		"hit: tlsCertificates files in the second server": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a}}
- {port: {number: 8443, name: https-2, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: OPTIONAL_MUTUAL, tlsCertificates: [{serverCertificate: /c.crt, privateKey: /c.key}]}}`,
			want: []string{"spec.servers[1].tls.credentialName"},
		},
		"miss: credentialName": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: a-cert}}]`,
		},
		"miss: credentialNames": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialNames: [rsa-cert, ecdsa-cert]}}]`,
		},
		"miss: ISTIO_MUTUAL and PASSTHROUGH have no user key material": {
			doc: `servers:
- {port: {number: 443, name: tls, protocol: TLS}, hosts: [a.example.com], tls: {mode: PASSTHROUGH}}
- {port: {number: 8443, name: tls-2, protocol: TLS}, hosts: [b.example.com], tls: {mode: ISTIO_MUTUAL}}`,
		},
	})
}

func TestIGR304NamesTheFiles(t *testing.T) {
	obj := testObject(t, KindGateway, `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: MUTUAL, serverCertificate: /a.crt, privateKey: /a.key, caCertificates: /ca.crt}}]`)
	vs := checkViolations(t, ruleIGR304(), obj, nil, nil)
	if len(vs) != 1 || !strings.Contains(vs[0].Fix, "serverCertificate, privateKey, caCertificates") {
		t.Fatalf("want one violation naming the three files, got %+v", vs)
	}
}
