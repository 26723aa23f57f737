package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"
)

// Secret keys of the self-managed Secret. ca.crt, tls.crt and tls.key follow
// the kubernetes.io/tls and cert-manager conventions; ca.key is ours.
const (
	SecretCACertKey = "ca.crt"
	SecretCAKeyKey  = "ca.key"
	SecretCertKey   = "tls.crt"
	SecretKeyKey    = "tls.key"
	// SecretPreviousCAKey holds the certificates of retired CAs that the
	// webhook configurations still trust during a rollover (PEM, possibly
	// several), until the Secret's AnnotationPreviousCAUntil.
	SecretPreviousCAKey = "ca-previous.crt"
	// AnnotationPreviousCAUntil is when the retired CAs stop being trusted (RFC 3339).
	AnnotationPreviousCAUntil = "istio-guardrail.io/previous-ca-until"
)

// authority is a parsed CA: certificate, key and PEM.
type authority struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// leafPair is a parsed serving leaf with its PEM.
type leafPair struct {
	pair    *tls.Certificate
	certPEM []byte
	keyPEM  []byte
}

// newAuthority generates a self-signed ECDSA P-256 CA valid for life.
func newAuthority(cn string, life time.Duration, now time.Time) (*authority, error) {
	key, err := pki.GenerateECPrivateKey(pki.ECCurve256)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl, err := template(cn, life, now)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	certPEM, cert, err := pki.SignCertificate(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign CA: %w", err)
	}
	keyPEM, err := pki.EncodePKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode CA key: %w", err)
	}
	return &authority{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// parseAuthority decodes a CA from PEM and checks it is a usable CA at now.
func parseAuthority(certPEM, keyPEM []byte, now time.Time) (*authority, error) {
	cert, err := pki.DecodeX509CertificateBytes(certPEM)
	if err != nil {
		return nil, fmt.Errorf("decode CA certificate: %w", err)
	}
	key, err := pki.DecodePrivateKeyBytes(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("decode CA key: %w", err)
	}
	if ok, err := pki.PublicKeyMatchesCertificate(key.Public(), cert); err != nil || !ok {
		return nil, fmt.Errorf("CA key does not match CA certificate")
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("stored CA certificate is not a CA")
	}
	if !now.Before(cert.NotAfter) {
		return nil, fmt.Errorf("CA expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return &authority{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// issue signs a fresh ECDSA P-256 serving leaf for sans, valid for life but
// never beyond the CA.
func (a *authority) issue(sans []string, life time.Duration, now time.Time) (*leafPair, error) {
	key, err := pki.GenerateECPrivateKey(pki.ECCurve256)
	if err != nil {
		return nil, fmt.Errorf("generate serving key: %w", err)
	}
	cn := "istio-guardrail"
	if len(sans) > 0 {
		cn = sans[0]
	}
	tmpl, err := template(cn, life, now)
	if err != nil {
		return nil, err
	}
	if tmpl.NotAfter.After(a.cert.NotAfter) {
		tmpl.NotAfter = a.cert.NotAfter
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.DNSNames, tmpl.IPAddresses = splitSANs(sans)
	certPEM, _, err := pki.SignCertificate(tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		return nil, fmt.Errorf("sign serving certificate: %w", err)
	}
	keyPEM, err := pki.EncodePKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode serving key: %w", err)
	}
	pair, err := parsePair(append(certPEM, a.certPEM...), keyPEM, now)
	if err != nil {
		return nil, err
	}
	return &leafPair{pair: pair, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// verifyLeaf parses a stored leaf and checks that ca signed it and that it
// covers exactly sans; it returns the pair to serve (leaf + CA chain).
func (a *authority) verifyLeaf(certPEM, keyPEM []byte, sans []string, now time.Time) (*leafPair, error) {
	pair, err := parsePair(append(append([]byte{}, certPEM...), a.certPEM...), keyPEM, now)
	if err != nil {
		return nil, err
	}
	if err := pair.Leaf.CheckSignatureFrom(a.cert); err != nil {
		return nil, fmt.Errorf("serving certificate not signed by the CA: %w", err)
	}
	dns, ips := splitSANs(sans)
	if !slices.Equal(pair.Leaf.DNSNames, dns) || !slices.EqualFunc(pair.Leaf.IPAddresses, ips, net.IP.Equal) {
		return nil, fmt.Errorf("serving certificate SANs differ from the wanted ones")
	}
	return &leafPair{pair: pair, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// template returns a certificate template with a random serial, valid from
// slightly before now (clock skew) for life.
func template(cn string, life time.Duration, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	backdate := min(time.Minute, life/10)
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"istio-guardrail"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(life),
		BasicConstraintsValid: true,
	}, nil
}

// splitSANs separates IP SANs from DNS SANs, keeping their order.
func splitSANs(sans []string) (dns []string, ips []net.IP) {
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, s)
		}
	}
	return dns, ips
}

// renewalDue reports whether a leaf has used up the fraction of its life
// after which it is replaced.
func renewalDue(leaf *x509.Certificate, fraction float64, now time.Time) bool {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return !now.Before(leaf.NotBefore.Add(time.Duration(float64(life) * fraction)))
}

// renewalTime returns when a leaf becomes due.
func renewalTime(leaf *x509.Certificate, fraction float64) time.Time {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return leaf.NotBefore.Add(time.Duration(float64(life) * fraction))
}
