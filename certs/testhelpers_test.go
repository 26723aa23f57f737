package certs

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// filePair is a PEM pair as cert-manager would write it, and its leaf.
type filePair struct {
	testpki.KeyPair
	leaf *x509.Certificate
}

// testPair issues a serving leaf for dnsName from a fresh test CA, valid
// until notAfter (zero: testpki's default week).
func testPair(t *testing.T, dnsName string, notAfter time.Time) filePair {
	t.Helper()
	ca, err := testpki.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	o := testpki.LeafOptions{CommonName: dnsName, DNSNames: []string{dnsName}, NotAfter: notAfter}
	if !notAfter.IsZero() {
		o.NotBefore = notAfter.Add(-time.Hour)
	}
	kp, err := ca.Issue(o)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return filePair{KeyPair: kp, leaf: pair.Leaf}
}

// writePair writes tls.crt and tls.key into dir.
func writePair(t *testing.T, dir string, p filePair) {
	t.Helper()
	if err := p.Write(dir, CertFileName, KeyFileName); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 20ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
