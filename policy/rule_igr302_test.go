package policy

import "testing"

func TestIGR302(t *testing.T) {
	runRuleTable(t, ruleIGR302(), map[string]ruleCase{
		"hit: RSA key exchange suite": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, AES128-GCM-SHA256]}}]`,
			want: []string{"spec.servers[0].tls.cipherSuites[1]"},
		},
		"hit: CBC suite in the second server": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a, cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384]}}
- {port: {number: 8443, name: https-2, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: SIMPLE, credentialName: b, cipherSuites: [ECDHE-RSA-AES128-SHA, DES-CBC3-SHA]}}`,
			want: []string{"spec.servers[1].tls.cipherSuites[0]", "spec.servers[1].tls.cipherSuites[1]"},
		},
		"hit: equivalence group with one weak member": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, cipherSuites: ["[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-AES128-SHA]"]}}]`,
			want: []string{"spec.servers[0].tls.cipherSuites[0]"},
		},
		"hit: unterminated equivalence group": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, cipherSuites: ["[ECDHE-ECDSA-AES128-GCM-SHA256"]}}]`,
			want: []string{"spec.servers[0].tls.cipherSuites[0]"},
		},
		"hit: suite outside a custom allowlist": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]}}]`,
			params: paramsWith(func(p *IGR302Params) { p.AllowedCipherSuites = []string{"ECDHE-ECDSA-AES256-GCM-SHA384"} }),
			want:   []string{"spec.servers[0].tls.cipherSuites[0]"},
		},
		"miss: every default suite, with an all-allowed group": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, cipherSuites: [
    "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
    "[ ECDHE-RSA-AES128-GCM-SHA256 | ECDHE-RSA-CHACHA20-POLY1305 ]",
    ECDHE-ECDSA-AES256-GCM-SHA384, ECDHE-RSA-AES256-GCM-SHA384]}}]`,
		},
		"miss: no cipherSuites keeps the secure default": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c}}]`,
		},
		"miss: server without tls": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}]`,
		},
	})
}

func TestCipherSuiteAllowed(t *testing.T) {
	allowed := cipherSuiteSet(defaultAllowedCipherSuites())
	for desc, tc := range map[string]struct {
		suite string
		want  bool
	}{
		"allowed name":             {"ECDHE-RSA-CHACHA20-POLY1305", true},
		"name with spaces":         {" ECDHE-RSA-AES256-GCM-SHA384 ", true},
		"unknown name":             {"AES256-SHA", false},
		"empty name":               {"", false},
		"empty group":              {"[]", false},
		"group with empty member":  {"[ECDHE-RSA-AES256-GCM-SHA384|]", false},
		"group of allowed members": {"[ECDHE-RSA-AES256-GCM-SHA384|ECDHE-RSA-AES128-GCM-SHA256]", true},
		"lower-case name":          {"ecdhe-rsa-aes256-gcm-sha384", false},
	} {
		t.Run(desc, func(t *testing.T) {
			if got := cipherSuiteAllowed(tc.suite, allowed); got != tc.want {
				t.Errorf("cipherSuiteAllowed(%q) = %v, want %v", tc.suite, got, tc.want)
			}
		})
	}
}
