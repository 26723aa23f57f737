package policy

import (
	"testing"
	"time"
)

// certificateDoc is a Certificate document with the given spec fragment.
func certificateDoc(spec string) string {
	return `{metadata: {name: c, namespace: apps}, spec: {secretName: c, issuerRef: {name: ca}, dnsNames: [a.example.com], ` + spec + `}}`
}

func TestIGR706(t *testing.T) {
	renew := `renewBefore: 720h, `
	runRuleTable(t, ruleIGR706(), map[string]ruleCase{
		"miss: hardened certificate": {
			kind: KindCertificate,
			doc:  certificateDoc(`duration: 2160h, ` + renew + `privateKey: {rotationPolicy: Always, algorithm: ECDSA, size: 256}`),
		},
		"miss: defaults with renewBeforePercentage": {kind: KindCertificate, doc: certificateDoc(`renewBeforePercentage: 30`)},
		"hit: no renewBefore is advisory": {
			kind: KindCertificate, doc: certificateDoc(`duration: 720h`), want: []string{"spec.renewBefore (advisory)"},
		},
		"hit: one-year duration": {
			kind: KindCertificate, doc: certificateDoc(renew + `duration: 8760h`), want: []string{"spec.duration"},
		},
		"miss: longer duration allowed by parameter": {
			kind: KindCertificate, doc: certificateDoc(renew + `duration: 8760h`), params: paramsWith(func(p *IGR706Params) { p.MaxDuration = 8760 * time.Hour }),
		},
		"hit: renewal disabled": {
			kind: KindCertificate, doc: certificateDoc(renew + `renewal: {policy: Disabled}`), want: []string{"spec.renewal.policy"},
		},
		"hit: rotation policy Never": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {rotationPolicy: Never}`),
			want: []string{"spec.privateKey.rotationPolicy"},
		},
		"miss: unset rotation policy (Always since cert-manager 1.18)": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {algorithm: RSA}`),
		},
		"hit: unset rotation policy when an explicit one is required": {
			kind: KindCertificate, doc: certificateDoc(renew), params: paramsWith(func(p *IGR706Params) { p.RequireExplicitRotationPolicy = true }),
			want: []string{"spec.privateKey.rotationPolicy"},
		},
		"hit: RSA 1024": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {algorithm: RSA, size: 1024}`),
			want: []string{"spec.privateKey.size"},
		},
		"hit: unset algorithm is RSA": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {size: 1024}`), want: []string{"spec.privateKey.size"},
		},
		"hit: ECDSA 224": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {algorithm: ECDSA, size: 224}`),
			want: []string{"spec.privateKey.size"},
		},
		"miss: ECDSA 384": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {algorithm: ECDSA, size: 384}`),
		},
		"miss: Ed25519 ignores size": {
			kind: KindCertificate, doc: certificateDoc(renew + `privateKey: {algorithm: Ed25519}`),
		},
		"hit: everything wrong": {
			kind: KindCertificate,
			doc:  certificateDoc(`duration: 17520h, privateKey: {rotationPolicy: Never, algorithm: RSA, size: 1024}`),
			want: []string{"spec.duration", "spec.privateKey.rotationPolicy", "spec.privateKey.size", "spec.renewBefore (advisory)"},
		},
	})
}

func TestIGR706ThroughEngine(t *testing.T) {
	obj := testObject(t, KindCertificate, certificateDoc(`duration: 8760h`))
	got := engineFindings(t, nil, obj, "IGR706")
	want := []string{"IGR706 spec.duration deny", "IGR706 spec.renewBefore warn"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("findings = %q, want %q", got, want)
	}
}
