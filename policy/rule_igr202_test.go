package policy

import "testing"

func TestIGR202(t *testing.T) {
	runRuleTable(t, ruleIGR202(), map[string]ruleCase{
		"no tls":                              {doc: `host: web`},
		"ISTIO_MUTUAL to a mesh host is fine": {doc: `{host: web.apps.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`},
		"SIMPLE with caCertificates is fine":  {doc: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}}}`},
		"SIMPLE with credentialName is fine, sni and SANs optional": {doc: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE, credentialName: api-ca}}}`},
		"MUTUAL with credentialName is fine":                        {doc: `{host: api.example.com, trafficPolicy: {tls: {mode: MUTUAL, credentialName: api-client}}}`},
		"insecureSkipVerify false is fine":                          {doc: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /ca.pem, insecureSkipVerify: false}}}`},
		"top-level insecureSkipVerify is denied": {doc: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /ca.pem, insecureSkipVerify: true}}}`,
			want: []string{"spec.trafficPolicy.tls.insecureSkipVerify"}},
		"insecureSkipVerify without CA is reported once": {doc: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true}}}`,
			want: []string{"spec.trafficPolicy.tls.insecureSkipVerify"}},
		"SIMPLE without CA is advisory": {doc: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, sni: a}}}`,
			want: []string{"spec.trafficPolicy.tls.caCertificates (advisory)"}},
		"MUTUAL without CA is advisory": {doc: `{host: a, trafficPolicy: {tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}}}`,
			want: []string{"spec.trafficPolicy.tls.caCertificates (advisory)"}},
		"port-level insecureSkipVerify is denied": {doc: `
host: a
trafficPolicy:
  tls: {mode: SIMPLE, credentialName: a-ca}
  portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE, insecureSkipVerify: true}}]`,
			want: []string{"spec.trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify"}},
		"subset insecureSkipVerify is denied": {doc: `
host: a
subsets: [{name: v1, trafficPolicy: {tls: {mode: MUTUAL, credentialName: c, insecureSkipVerify: true}}}]`,
			want: []string{"spec.subsets[0].trafficPolicy.tls.insecureSkipVerify"}},
		"subset port-level SIMPLE without CA is advisory": {doc: `
host: a
subsets:
- name: v1
  trafficPolicy: {portLevelSettings: [{port: {number: 443}, tls: {mode: SIMPLE}}]}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.caCertificates (advisory)"}},
	})
}

func TestIGR202Action(t *testing.T) {
	obj := testObject(t, KindDestinationRule, `
host: a
trafficPolicy:
  tls: {mode: SIMPLE}
  portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE, insecureSkipVerify: true}}]`)
	got := engineActions(t, obj, "IGR202")
	want := map[string]Action{
		"spec.trafficPolicy.tls.caCertificates":                          ActionWarn,
		"spec.trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify": ActionDeny,
	}
	if len(got) != len(want) {
		t.Fatalf("IGR202 actions = %v, want %v", got, want)
	}
	for f, a := range want {
		if got[f] != a {
			t.Errorf("IGR202 action on %s = %q, want %q", f, got[f], a)
		}
	}
}

func TestIGR202Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR202())
}
