package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DefaultTrustRecheck is how long a BundleTrust verdict is reused for the
// same leaf: readiness probes (every few seconds) cost the API server at
// most two GETs per replica per interval.
const DefaultTrustRecheck = 10 * time.Second

// BundleTrust is a readiness check: the served leaf must chain to the
// caBundle of every webhook of the release's Validating and Mutating webhook
// configurations, which is what the API server verifies when it calls this
// replica. A replica serving a leaf of a CA the bundle no longer carries
// (a missed rollover, a bundle overwritten by hand or by another release)
// fails every call the API server routes to it, so it must not be Ready.
type BundleTrust struct {
	client  kubernetes.Interface
	name    string
	cert    func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	recheck time.Duration
	now     func() time.Time

	mu      sync.Mutex
	checked time.Time // when last verdict was reached; zero: never
	leaf    []byte    // the DER of the leaf it was reached for
	verdict error
}

// NewBundleTrust checks the leaf served by cert against the configurations
// called name. recheck <= 0 takes DefaultTrustRecheck.
func NewBundleTrust(client kubernetes.Interface, name string, cert func(*tls.ClientHelloInfo) (*tls.Certificate, error), recheck time.Duration) *BundleTrust {
	if recheck <= 0 {
		recheck = DefaultTrustRecheck
	}
	return &BundleTrust{client: client, name: name, cert: cert, recheck: recheck, now: time.Now}
}

// Ready returns nil when the served leaf chains to every caBundle. A
// configuration that does not exist is not checked (nothing routes to it).
// When the configurations cannot be read, the last verdict stands (nil
// before the first one): an API server outage says nothing about trust.
func (b *BundleTrust) Ready() error {
	c, err := b.cert(nil)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.checked.IsZero() && now.Sub(b.checked) < b.recheck && bytes.Equal(b.leaf, c.Certificate[0]) {
		return b.verdict
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bundles, err := b.bundles(ctx)
	if err != nil {
		return b.verdict
	}
	b.checked, b.leaf = now, c.Certificate[0]
	b.verdict = verifyAgainst(c, bundles, now)
	return b.verdict
}

// namedBundle is the caBundle of one webhook.
type namedBundle struct {
	webhook string
	pem     []byte
}

// bundles reads the caBundle of every webhook of the two configurations.
func (b *BundleTrust) bundles(ctx context.Context) ([]namedBundle, error) {
	var out []namedBundle
	adm := b.client.AdmissionregistrationV1()
	v, err := adm.ValidatingWebhookConfigurations().Get(ctx, b.name, metav1.GetOptions{})
	switch {
	case err == nil:
		for _, w := range v.Webhooks {
			out = append(out, namedBundle{"ValidatingWebhookConfiguration " + b.name + " webhook " + w.Name, w.ClientConfig.CABundle})
		}
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	m, err := adm.MutatingWebhookConfigurations().Get(ctx, b.name, metav1.GetOptions{})
	switch {
	case err == nil:
		for _, w := range m.Webhooks {
			out = append(out, namedBundle{"MutatingWebhookConfiguration " + b.name + " webhook " + w.Name, w.ClientConfig.CABundle})
		}
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	return out, nil
}

// verifyAgainst verifies c's leaf (with the rest of its chain as
// intermediates) for server authentication against each bundle.
func verifyAgainst(c *tls.Certificate, bundles []namedBundle, now time.Time) error {
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return fmt.Errorf("parse served leaf: %w", err)
		}
	}
	inter := x509.NewCertPool()
	for _, der := range c.Certificate[1:] {
		if ic, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(ic)
		}
	}
	var errs []error
	for _, nb := range bundles {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(nb.pem) {
			errs = append(errs, fmt.Errorf("%s: caBundle holds no certificate", nb.webhook))
			continue
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: served leaf (issuer %q) does not chain to the caBundle: %w", nb.webhook, leaf.Issuer.CommonName, err))
		}
	}
	return errors.Join(errs...)
}
