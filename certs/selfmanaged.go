package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Defaults of SelfManagedOptions.
const (
	DefaultCALifetime     = 10 * 365 * 24 * time.Hour
	DefaultLeafLifetime   = 90 * 24 * time.Hour
	DefaultRenewFraction  = 2.0 / 3.0
	DefaultSyncInterval   = time.Minute
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
	Log                      *zap.Logger
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

// Sync makes the Secret hold a valid CA and a leaf that is not due, serves
// that leaf and injects the CA into the webhook configurations.
func (s *SelfManaged) Sync(ctx context.Context) error {
	ca, leaf, err := s.ensureSecret(ctx)
	if err != nil {
		return err
	}
	if cur := s.current(); cur == nil || !bytes.Equal(cur.Certificate[0], leaf.pair.Certificate[0]) {
		s.set(leaf.pair)
		s.o.Log.Info("serving certificate loaded from secret",
			zap.String("secret", s.o.Namespace+"/"+s.o.SecretName), zap.Time("notAfter", leaf.pair.Leaf.NotAfter))
	}
	return injectCABundle(ctx, s.o.Client, s.o.WebhookConfigName, ca.certPEM)
}

// ensureSecret reads the Secret and repairs it if needed, retrying on
// conflicts so that concurrent replicas converge on one CA.
func (s *SelfManaged) ensureSecret(ctx context.Context) (*authority, *leafPair, error) {
	secrets := s.o.Client.CoreV1().Secrets(s.o.Namespace)
	var lastErr error
	for range maxSecretSyncAttempts {
		sec, err := secrets.Get(ctx, s.o.SecretName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			sec = nil
		} else if err != nil {
			return nil, nil, fmt.Errorf("get secret %s/%s: %w", s.o.Namespace, s.o.SecretName, err)
		}
		ca, leaf, changed, err := s.material(sec)
		if err != nil {
			return nil, nil, err
		}
		if !changed {
			return ca, leaf, nil
		}
		if lastErr = s.write(ctx, sec, ca, leaf); lastErr == nil {
			return ca, leaf, nil
		}
		if !apierrors.IsAlreadyExists(lastErr) && !apierrors.IsConflict(lastErr) {
			return nil, nil, lastErr
		}
		s.o.Log.Debug("secret changed concurrently; re-reading", zap.Error(lastErr))
	}
	return nil, nil, fmt.Errorf("secret %s/%s kept changing: %w", s.o.Namespace, s.o.SecretName, lastErr)
}

// material returns the CA and leaf to use given the stored Secret (nil if
// absent), and whether they differ from what is stored.
func (s *SelfManaged) material(sec *corev1.Secret) (*authority, *leafPair, bool, error) {
	now := time.Now()
	var data map[string][]byte
	if sec != nil {
		data = sec.Data
	}
	ca, err := parseAuthority(data[SecretCACertKey], data[SecretCAKeyKey], now)
	if err != nil {
		if sec != nil {
			s.o.Log.Warn("stored CA unusable; generating a new one", zap.Error(err))
		}
		if ca, err = newAuthority("istio-guardrail-ca", s.o.CALifetime, now); err != nil {
			return nil, nil, false, err
		}
	}
	leaf, err := ca.verifyLeaf(data[SecretCertKey], data[SecretKeyKey], s.o.SANs, now)
	if err == nil && !renewalDue(leaf.pair.Leaf, s.o.RenewFraction, now) {
		return ca, leaf, !bytes.Equal(ca.certPEM, data[SecretCACertKey]), nil
	}
	if leaf, err = ca.issue(s.o.SANs, s.o.LeafLifetime, now); err != nil {
		return nil, nil, false, err
	}
	return ca, leaf, true, nil
}

// write creates the Secret (sec == nil) or updates it with optimistic
// concurrency (the resourceVersion of sec).
func (s *SelfManaged) write(ctx context.Context, sec *corev1.Secret, ca *authority, leaf *leafPair) error {
	data := map[string][]byte{
		SecretCACertKey: ca.certPEM,
		SecretCAKeyKey:  ca.keyPEM,
		SecretCertKey:   leaf.certPEM,
		SecretKeyKey:    leaf.keyPEM,
	}
	secrets := s.o.Client.CoreV1().Secrets(s.o.Namespace)
	if sec == nil {
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: s.o.SecretName, Namespace: s.o.Namespace,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "istio-guardrail"}},
			Type: corev1.SecretTypeOpaque,
			Data: data,
		}
		_, err := secrets.Create(ctx, sec, metav1.CreateOptions{})
		return err
	}
	sec = sec.DeepCopy()
	sec.Data = data
	_, err := secrets.Update(ctx, sec, metav1.UpdateOptions{})
	if err == nil {
		s.o.Log.Info("self-managed certificate secret written",
			zap.String("secret", s.o.Namespace+"/"+s.o.SecretName), zap.Time("leafNotAfter", leaf.pair.Leaf.NotAfter))
	}
	return err
}
