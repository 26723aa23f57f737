package webhooks

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSOptions configure the webhook listener's TLS.
type TLSOptions struct {
	// MinVersion is tls.VersionTLS12 (default) or tls.VersionTLS13.
	MinVersion uint16
	// EnableHTTP2 offers h2 in ALPN; off by default (HTTP/2 Rapid Reset).
	EnableHTTP2 bool
	// ClientCAs, when set, requires client certificates signed by them.
	ClientCAs *x509.CertPool
}

// ecdheSuites are the TLS 1.2 suites we accept: ECDHE key exchange with
// AEAD ciphers only (no RSA key exchange, no CBC). TLS 1.3 suites are fixed
// by Go and all use ephemeral key exchange.
var ecdheSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// ParseTLSVersion maps "1.2" and "1.3" to their tls constants.
func ParseTLSVersion(s string) (uint16, error) {
	switch s {
	case "", "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unsupported TLS version %q (want 1.2 or 1.3)", s)
}

// LoadClientCAs reads a PEM bundle of client CAs.
func LoadClientCAs(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("client CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// newTLSConfig builds the listener's tls.Config around getCert.
func newTLSConfig(o TLSOptions, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	cfg := &tls.Config{
		MinVersion:     max(o.MinVersion, tls.VersionTLS12),
		CipherSuites:   ecdheSuites,
		GetCertificate: getCert,
		NextProtos:     []string{"http/1.1"},
	}
	if o.EnableHTTP2 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	if o.ClientCAs != nil {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = o.ClientCAs
	}
	return cfg
}
