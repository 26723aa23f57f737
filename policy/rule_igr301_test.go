package policy

import "testing"

func TestIGR301(t *testing.T) {
	runRuleTable(t, ruleIGR301(), map[string]ruleCase{
		"hit: HTTPS server without tls": {
			doc:  `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com]}]`,
			want: []string{"spec.servers[0].tls"},
		},
		"hit: TLS server without tls, protocol in lower case": {
			doc:  `servers: [{port: {number: 443, name: tls, protocol: tls}, hosts: [a.example.com]}]`,
			want: []string{"spec.servers[0].tls"},
		},
		"hit: SIMPLE with minProtocolVersion TLSV1_0": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}}]`,
			want: []string{"spec.servers[0].tls.minProtocolVersion"},
		},
		"hit: MUTUAL with minProtocolVersion TLSV1_1": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: MUTUAL, credentialName: c, minProtocolVersion: TLSV1_1}}]`,
			want: []string{"spec.servers[0].tls.minProtocolVersion"},
		},
		"miss: minProtocolVersion unset is Istio's documented default, TLSV1_2": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: OPTIONAL_MUTUAL, credentialName: c}}]`,
		},
		"miss: minProtocolVersion TLS_AUTO is the default too": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLS_AUTO}}]`,
		},
		"hit: unset minProtocolVersion when the config requires it written": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: OPTIONAL_MUTUAL, credentialName: c}}]`,
			params: paramsWith(func(p *IGR301Params) { p.RequireExplicitMinProtocolVersion = true }),
			want:   []string{"spec.servers[0].tls.minProtocolVersion"},
		},
		"hit: TLS_AUTO when the config requires the version written": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLS_AUTO}}]`,
			params: paramsWith(func(p *IGR301Params) { p.RequireExplicitMinProtocolVersion = true }),
			want:   []string{"spec.servers[0].tls.minProtocolVersion"},
		},
		"hit: maxProtocolVersion pins TLS 1.1": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_2, maxProtocolVersion: TLSV1_1}}]`,
			want: []string{"spec.servers[0].tls.maxProtocolVersion"},
		},
		"hit: weak second server hides behind a hardened first one": {
			doc: `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a, minProtocolVersion: TLSV1_3}}
- {port: {number: 8443, name: https-2, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: SIMPLE, credentialName: b, minProtocolVersion: TLSV1_0}}
- {port: {number: 9443, name: tls, protocol: TLS}, hosts: [c.example.com]}`,
			want: []string{"spec.servers[1].tls.minProtocolVersion", "spec.servers[2].tls"},
		},
		"miss: unset minProtocolVersion, explicit version not required (the default)": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c}}]`,
			params: paramsWith(func(p *IGR301Params) { p.RequireExplicitMinProtocolVersion = false }),
		},
		"hit: TLSV1_0 even when explicit version is not required": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}}]`,
			params: paramsWith(func(p *IGR301Params) { p.RequireExplicitMinProtocolVersion = false }),
			want:   []string{"spec.servers[0].tls.minProtocolVersion"},
		},
		"miss: SIMPLE with TLSV1_2": {
			doc: `servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com],
  tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_2}}]`,
		},
		"miss: passthrough and ISTIO_MUTUAL servers do not negotiate user versions": {
			doc: `servers:
- {port: {number: 443, name: tls, protocol: TLS}, hosts: [a.example.com], tls: {mode: PASSTHROUGH}}
- {port: {number: 15443, name: tls-auto, protocol: TLS}, hosts: ["*.local"], tls: {mode: AUTO_PASSTHROUGH}}
- {port: {number: 8443, name: tls-mesh, protocol: TLS}, hosts: [b.example.com], tls: {mode: ISTIO_MUTUAL}}`,
		},
		"miss: plaintext HTTP server without tls": {
			doc: `servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}]`,
		},
		"miss: no servers": {doc: `selector: {istio: ingressgateway}`},
	})
}

func TestIGR301Messages(t *testing.T) {
	obj := testObject(t, KindGateway, `servers:
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a, minProtocolVersion: TLSV1_1, maxProtocolVersion: TLSV1_1}}
- {port: {number: 8443, name: https-2, protocol: HTTPS}, hosts: [b.example.com]}`)
	vs := checkViolations(t, ruleIGR301(), obj, nil, nil)
	if len(vs) != 3 {
		t.Fatalf("got %d violations, want 3: %+v", len(vs), vs)
	}
	if got, want := vs[0].Text(), `spec.servers[0].tls.minProtocolVersion: "TLSV1_1" must be TLSV1_2 or TLSV1_3`; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if vs[2].Fix == "" {
		t.Errorf("missing tls should carry a specific fix: %+v", vs[2])
	}
}
