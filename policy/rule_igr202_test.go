package policy

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
)

func TestIGR202(t *testing.T) {
	rules1Run(t, ruleIGR202(), KindDestinationRule, []rules1Case{
		{desc: "no tls", spec: `host: web`},
		{desc: "ISTIO_MUTUAL to a mesh host is fine",
			spec: `{host: web.apps.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`},
		{desc: "SIMPLE with caCertificates is fine",
			spec: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}}}`},
		{desc: "SIMPLE with credentialName is fine, sni and SANs optional",
			spec: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE, credentialName: api-ca}}}`},
		{desc: "MUTUAL with credentialName is fine",
			spec: `{host: api.example.com, trafficPolicy: {tls: {mode: MUTUAL, credentialName: api-client}}}`},
		{desc: "insecureSkipVerify false is fine",
			spec: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /ca.pem, insecureSkipVerify: false}}}`},
		{desc: "top-level insecureSkipVerify is denied",
			spec: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /ca.pem, insecureSkipVerify: true}}}`,
			want: []string{"spec.trafficPolicy.tls.insecureSkipVerify"}},
		{desc: "insecureSkipVerify without CA is reported once",
			spec: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true}}}`,
			want: []string{"spec.trafficPolicy.tls.insecureSkipVerify"}},
		{desc: "SIMPLE without CA is advisory", spec: `{host: a, trafficPolicy: {tls: {mode: SIMPLE, sni: a}}}`,
			want: []string{"spec.trafficPolicy.tls.caCertificates (advisory)"}},
		{desc: "MUTUAL without CA is advisory",
			spec: `{host: a, trafficPolicy: {tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}}}`,
			want: []string{"spec.trafficPolicy.tls.caCertificates (advisory)"}},
		{desc: "port-level insecureSkipVerify is denied", spec: `
host: a
trafficPolicy:
  tls: {mode: SIMPLE, credentialName: a-ca}
  portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE, insecureSkipVerify: true}}]`,
			want: []string{"spec.trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify"}},
		{desc: "subset insecureSkipVerify is denied", spec: `
host: a
subsets: [{name: v1, trafficPolicy: {tls: {mode: MUTUAL, credentialName: c, insecureSkipVerify: true}}}]`,
			want: []string{"spec.subsets[0].trafficPolicy.tls.insecureSkipVerify"}},
		{desc: "subset port-level SIMPLE without CA is advisory", spec: `
host: a
subsets:
- name: v1
  trafficPolicy: {portLevelSettings: [{port: {number: 443}, tls: {mode: SIMPLE}}]}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.caCertificates (advisory)"}},
	})
}

func TestIGR202Action(t *testing.T) {
	obj := rules1Object(t, KindDestinationRule, "apps", `
host: a
trafficPolicy:
  tls: {mode: SIMPLE}
  portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE, insecureSkipVerify: true}}]`)
	got := rules1Actions(t, obj, "IGR202")
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
	rules1Nil(t, ruleIGR202(), KindDestinationRule, (*networkingapi.DestinationRule)(nil))
}
