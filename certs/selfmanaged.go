package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Defaults of SelfManagedOptions.
const (
	DefaultCALifetime    = 10 * 365 * 24 * time.Hour
	DefaultLeafLifetime  = 90 * 24 * time.Hour
	DefaultRenewFraction = 2.0 / 3.0
	DefaultSyncInterval  = time.Minute
	// DefaultCAOverlap is how long a retired CA stays in the caBundle after a
	// rollover: every replica picks up the new leaf within a sync interval,
	// so ten of them leave room for replicas that miss a few syncs.
	DefaultCAOverlap      = 10 * DefaultSyncInterval
	maxSecretSyncAttempts = 5
	// syncRetryInterval bounds the wait after a failed sync, so a server
	// started while the API server is unreachable gets ready soon after it is back.
	syncRetryInterval = 5 * time.Second
)

// SelfManagedOptions configures a SelfManaged source.
type SelfManagedOptions struct {
	// Client talks to the API server (a fake clientset in tests).
	Client kubernetes.Interface
	// Namespace and SecretName locate the Secret holding CA and leaf.
	Namespace, SecretName string
	// WebhookConfigName names this release's ValidatingWebhookConfiguration and
	// MutatingWebhookConfiguration; only these get the CA bundle.
	WebhookConfigName string
	// SANs are the DNS names and IP addresses of the serving leaf.
	SANs []string
	// CALifetime, LeafLifetime, RenewFraction and SyncInterval default to the
	// Default* constants; tests shorten them to rotate in seconds.
	CALifetime, LeafLifetime time.Duration
	RenewFraction            float64
	SyncInterval             time.Duration
	// CAOverlap is how long a retired CA stays trusted after a rollover
	// (default: ten sync intervals).
	CAOverlap time.Duration
	Log       *zap.Logger
}

// SelfManaged is a Source that maintains its own CA and serving leaf in a
// Secret and injects the CA into the webhook configurations.
type SelfManaged struct {
	holder
	o SelfManagedOptions
}

// NewSelfManaged validates o, fills defaults and returns the source.
func NewSelfManaged(o SelfManagedOptions) (*SelfManaged, error) {
	switch {
	case o.Client == nil:
		return nil, errors.New("self-managed certificates need a Kubernetes client")
	case o.Namespace == "" || o.SecretName == "":
		return nil, errors.New("self-managed certificates need a namespace and a secret name")
	case len(o.SANs) == 0:
		return nil, errors.New("self-managed certificates need at least one SAN")
	}
	if o.CALifetime <= 0 {
		o.CALifetime = DefaultCALifetime
	}
	if o.LeafLifetime <= 0 {
		o.LeafLifetime = DefaultLeafLifetime
	}
	if o.RenewFraction <= 0 || o.RenewFraction >= 1 {
		o.RenewFraction = DefaultRenewFraction
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.CAOverlap <= 0 {
		o.CAOverlap = 10 * o.SyncInterval
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return &SelfManaged{o: o}, nil
}

// Start implements Source: it syncs at once, then whenever the leaf becomes
// due or the sync interval passes (to pick up a leaf another replica
// renewed and to repair caBundles someone overwrote), until ctx is done.
func (s *SelfManaged) Start(ctx context.Context) error {
	for {
		err := s.Sync(ctx)
		wait := s.nextSync()
		if err != nil && ctx.Err() == nil {
			s.o.Log.Warn("self-managed certificate sync failed; retrying", zap.Error(err))
			wait = min(wait, syncRetryInterval)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// nextSync returns the wait before the next sync.
func (s *SelfManaged) nextSync() time.Duration {
	wait := s.o.SyncInterval
	if c := s.current(); c != nil {
		if until := time.Until(renewalTime(c.Leaf, s.o.RenewFraction)); until < wait {
			wait = max(until, 100*time.Millisecond)
		}
	}
	return wait
}

// Sync makes the Secret hold a valid CA and a leaf that is not due, injects
// the CA bundle (the CA and any retired CA still in its overlap) into the
// webhook configurations, and then serves that leaf. The order matters in
// a CA rollover: a leaf of the new CA is served only once the API server
// trusts it, and replicas still serving leaves of the old CA stay trusted
// until the overlap ends (SelfManagedOptions.CAOverlap).
func (s *SelfManaged) Sync(ctx context.Context) error {
	m, err := s.ensureSecret(ctx)
	if err != nil {
		return err
	}
	injectErr := injectCABundle(ctx, s.o.Client, s.o.WebhookConfigName, m.bundle())
	cur := s.current()
	if cur != nil && bytes.Equal(cur.Certificate[0], m.leaf.pair.Certificate[0]) {
		return injectErr
	}
	if injectErr != nil && healthy(cur) && !bytes.Equal(issuerOf(cur), m.ca.cert.Raw) {
		// The API server may not trust the new CA yet: keep serving the
		// current leaf until the bundle is injected.
		return injectErr
	}
	s.set(m.leaf.pair)
	s.o.Log.Info("serving certificate loaded from secret",
		zap.String("secret", s.o.Namespace+"/"+s.o.SecretName), zap.Time("notAfter", m.leaf.pair.Leaf.NotAfter))
	return injectErr
}

// issuerOf is the DER of the CA in a served chain (leaf, CA), nil if absent.
func issuerOf(c *tls.Certificate) []byte {
	if c == nil || len(c.Certificate) < 2 {
		return nil
	}
	return c.Certificate[1]
}

// selfManagedMaterial is what the Secret holds: the CA, the serving leaf
// and the retired CAs still trusted until previousUntil.
type selfManagedMaterial struct {
	ca            *authority
	leaf          *leafPair
	previous      []byte
	previousUntil time.Time
}

// bundle is the caBundle: the CA, then the retired CAs still in overlap.
func (m selfManagedMaterial) bundle() []byte {
	return append(append([]byte{}, m.ca.certPEM...), m.previous...)
}

// ensureSecret reads the Secret and repairs it if needed, retrying on
// conflicts so that concurrent replicas converge on one CA.
func (s *SelfManaged) ensureSecret(ctx context.Context) (selfManagedMaterial, error) {
	secrets := s.o.Client.CoreV1().Secrets(s.o.Namespace)
	var lastErr error
	for range maxSecretSyncAttempts {
		sec, err := secrets.Get(ctx, s.o.SecretName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			sec = nil
		} else if err != nil {
			return selfManagedMaterial{}, fmt.Errorf("get secret %s/%s: %w", s.o.Namespace, s.o.SecretName, err)
		}
		m, changed, err := s.material(sec)
		if err != nil {
			return selfManagedMaterial{}, err
		}
		if !changed {
			return m, nil
		}
		if lastErr = s.write(ctx, sec, m); lastErr == nil {
			return m, nil
		}
		if !apierrors.IsAlreadyExists(lastErr) && !apierrors.IsConflict(lastErr) {
			return selfManagedMaterial{}, lastErr
		}
		s.o.Log.Debug("secret changed concurrently; re-reading", zap.Error(lastErr))
	}
	return selfManagedMaterial{}, fmt.Errorf("secret %s/%s kept changing: %w", s.o.Namespace, s.o.SecretName, lastErr)
}

// material returns what the Secret should hold given what it holds (sec,
// nil if absent), and whether that differs from it. The CA is replaced when
// it is unusable or due for renewal (RenewFraction of its life, like the
// leaf); the CA it replaces, and the CA of the leaf this replica serves,
// stay trusted for CAOverlap when they are still valid, so replicas that
// have not yet picked up the new leaf keep working.
func (s *SelfManaged) material(sec *corev1.Secret) (selfManagedMaterial, bool, error) {
	now := time.Now()
	var data map[string][]byte
	var annotations map[string]string
	if sec != nil {
		data, annotations = sec.Data, sec.Annotations
	}
	m := selfManagedMaterial{}
	m.previous, m.previousUntil = storedPrevious(data[SecretPreviousCAKey], annotations[AnnotationPreviousCAUntil], now)
	changed := !bytes.Equal(m.previous, data[SecretPreviousCAKey])
	ca, err := parseAuthority(data[SecretCACertKey], data[SecretCAKeyKey], now)
	if err == nil && renewalDue(ca.cert, s.o.RenewFraction, now) {
		err = fmt.Errorf("CA due for renewal since %s", renewalTime(ca.cert, s.o.RenewFraction).UTC().Format(time.RFC3339))
	}
	if err != nil {
		if sec != nil {
			s.o.Log.Warn("stored CA unusable or due; rolling over to a new one", zap.Error(err))
		}
		retired := [][]byte{data[SecretCACertKey]}
		if cur := s.current(); cur != nil && len(cur.Certificate) > 1 {
			retired = append(retired, pemCertificate(cur.Certificate[1]))
		}
		for _, pemBytes := range retired {
			m.previous = appendTrusted(m.previous, pemBytes, now)
		}
		if len(m.previous) > 0 {
			m.previousUntil = now.Add(s.o.CAOverlap)
		}
		if ca, err = newAuthority("istio-guardrail-ca", s.o.CALifetime, now); err != nil {
			return m, false, err
		}
		m.ca = ca
		if m.leaf, err = ca.issue(s.o.SANs, s.o.LeafLifetime, now); err != nil {
			return m, false, err
		}
		return m, true, nil
	}
	m.ca = ca
	leaf, err := ca.verifyLeaf(data[SecretCertKey], data[SecretKeyKey], s.o.SANs, now)
	if err == nil && !renewalDue(leaf.pair.Leaf, s.o.RenewFraction, now) {
		m.leaf = leaf
		return m, changed || !bytes.Equal(ca.certPEM, data[SecretCACertKey]), nil
	}
	if m.leaf, err = ca.issue(s.o.SANs, s.o.LeafLifetime, now); err != nil {
		return m, false, err
	}
	return m, true, nil
}

// storedPrevious returns the retired CAs of the Secret that are still
// trusted at now: none once until has passed (or is unreadable), and only
// the certificates that have not expired.
func storedPrevious(pemBytes []byte, until string, now time.Time) ([]byte, time.Time) {
	t, err := time.Parse(time.RFC3339, until)
	if err != nil || !now.Before(t) {
		return nil, time.Time{}
	}
	var out []byte
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		out = appendTrusted(out, pem.EncodeToMemory(block), now)
	}
	if len(out) == 0 {
		return nil, time.Time{}
	}
	return out, t
}

// appendTrusted appends the CA certificate pemBytes to bundle unless it
// does not parse, is not a CA, has expired or is already there.
func appendTrusted(bundle, pemBytes []byte, now time.Time) []byte {
	cert, err := pki.DecodeX509CertificateBytes(pemBytes)
	if err != nil || !cert.IsCA || !now.Before(cert.NotAfter) {
		return bundle
	}
	canonical := pemCertificate(cert.Raw)
	if bytes.Contains(bundle, canonical) {
		return bundle
	}
	return append(bundle, canonical...)
}

// pemCertificate encodes a DER certificate as PEM.
func pemCertificate(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// write creates the Secret (sec == nil) or updates it with optimistic
// concurrency (the resourceVersion of sec).
func (s *SelfManaged) write(ctx context.Context, sec *corev1.Secret, m selfManagedMaterial) error {
	data := map[string][]byte{
		SecretCACertKey: m.ca.certPEM,
		SecretCAKeyKey:  m.ca.keyPEM,
		SecretCertKey:   m.leaf.certPEM,
		SecretKeyKey:    m.leaf.keyPEM,
	}
	if len(m.previous) > 0 {
		data[SecretPreviousCAKey] = m.previous
	}
	secrets := s.o.Client.CoreV1().Secrets(s.o.Namespace)
	create := sec == nil
	if create {
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: s.o.SecretName, Namespace: s.o.Namespace,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "istio-guardrail"}},
			Type: corev1.SecretTypeOpaque,
		}
	} else {
		sec = sec.DeepCopy()
	}
	sec.Data = data
	if len(m.previous) > 0 {
		if sec.Annotations == nil {
			sec.Annotations = map[string]string{}
		}
		sec.Annotations[AnnotationPreviousCAUntil] = m.previousUntil.UTC().Format(time.RFC3339)
	} else {
		delete(sec.Annotations, AnnotationPreviousCAUntil)
	}
	var err error
	if create {
		_, err = secrets.Create(ctx, sec, metav1.CreateOptions{})
	} else {
		_, err = secrets.Update(ctx, sec, metav1.UpdateOptions{})
	}
	if err == nil {
		s.o.Log.Info("self-managed certificate secret written",
			zap.String("secret", s.o.Namespace+"/"+s.o.SecretName), zap.Time("leafNotAfter", m.leaf.pair.Leaf.NotAfter),
			zap.Int("previousCAs", bytes.Count(m.previous, []byte("-----BEGIN CERTIFICATE"))))
	}
	return err
}
