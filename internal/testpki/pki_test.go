package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
)

func TestCAIssue(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		opts  LeafOptions
		usage x509.ExtKeyUsage
		host  string
	}{
		"serving certificate for 127.0.0.1":    {LeafOptions{CommonName: "srv", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, x509.ExtKeyUsageServerAuth, "127.0.0.1"},
		"client certificate in system:masters": {LeafOptions{CommonName: "admin", Organization: []string{"system:masters"}, Client: true}, x509.ExtKeyUsageClientAuth, ""},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			kp, err := ca.Issue(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			pair, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
			if err != nil {
				t.Fatalf("the pair does not load: %v", err)
			}
			leaf, err := x509.ParseCertificate(pair.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca.Cert)
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: tc.host, KeyUsages: []x509.ExtKeyUsage{tc.usage}}); err != nil {
				t.Errorf("leaf does not verify for %v: %v", tc.usage, err)
			}
		})
	}
}
