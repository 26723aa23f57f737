package main

import (
	"crypto/x509"
	"net"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// writeServingCerts writes a CA-signed ECDSA P-256 leaf for 127.0.0.1 and
// localhost as dir/tls.crt and dir/tls.key (the layout of --cert-mode file)
// and returns the pool that verifies it. The PKI is internal/testpki.
func writeServingCerts(dir string) (*x509.CertPool, error) {
	ca, err := testpki.NewCA("loadrun CA")
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Issue(testpki.LeafOptions{
		CommonName: "127.0.0.1", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	if err != nil {
		return nil, err
	}
	if err := leaf.Write(dir, "tls.crt", "tls.key"); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool, nil
}
