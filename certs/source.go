package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Source supplies the serving certificate, like cert-manager's
// CertificateSource. Implementations are safe for concurrent use.
type Source interface {
	// GetCertificate returns the current certificate; use it as
	// tls.Config.GetCertificate.
	GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error)
	// Start loads and maintains the certificate until ctx is done. It returns
	// nil on cancellation and an error only if it cannot run at all.
	Start(ctx context.Context) error
	// Healthy reports whether a certificate is loaded and not expired.
	Healthy() bool
	// Expiry returns the NotAfter of the served leaf (zero if none).
	Expiry() time.Time
}

// ErrNoCertificate is returned by GetCertificate before a certificate is loaded.
var ErrNoCertificate = errors.New("no serving certificate loaded yet")

// holder stores the current certificate atomically. SelfManaged embeds it.
type holder struct {
	cur atomic.Pointer[tls.Certificate]
}

// GetCertificate implements Source.
func (h *holder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c := h.cur.Load()
	if c == nil {
		return nil, ErrNoCertificate
	}
	return c, nil
}

// Healthy implements Source.
func (h *holder) Healthy() bool { return healthy(h.cur.Load()) }

// Expiry implements Source.
func (h *holder) Expiry() time.Time { return expiry(h.cur.Load()) }

// current returns the served certificate or nil.
func (h *holder) current() *tls.Certificate { return h.cur.Load() }

func (h *holder) set(c *tls.Certificate) { h.cur.Store(c) }

// expiry returns the NotAfter of c's leaf, zero if there is none. Leaf is
// always set: parsePair sets it, and tls.X509KeyPair (certwatcher) does since Go 1.23.
func expiry(c *tls.Certificate) time.Time {
	if c == nil || c.Leaf == nil {
		return time.Time{}
	}
	return c.Leaf.NotAfter
}

// healthy reports whether c has a leaf that has not expired.
func healthy(c *tls.Certificate) bool {
	exp := expiry(c)
	return !exp.IsZero() && time.Now().Before(exp)
}

// parsePair parses a PEM certificate chain and key into a tls.Certificate
// with Leaf set, rejecting expired leaves.
func parsePair(certPEM, keyPEM []byte, now time.Time) (*tls.Certificate, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("parse key pair: %w", err)
	}
	if pair.Leaf == nil {
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("parse leaf: %w", err)
		}
		pair.Leaf = leaf
	}
	if !now.Before(pair.Leaf.NotAfter) {
		return nil, fmt.Errorf("certificate expired at %s", pair.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return &pair, nil
}
