package certs

import (
	"bytes"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const (
	testNS     = "istio-guardrail"
	testSecret = "istio-guardrail-tls"
	testHook   = "istio-guardrail"
)

func webhookConfigs(name string) []runtime.Object {
	return []runtime.Object{
		&admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "a.example.io"}, {Name: "b.example.io"}},
		},
		&admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Webhooks:   []admissionregistrationv1.MutatingWebhook{{Name: "m.example.io"}},
		},
	}
}

func newTestSelfManaged(t *testing.T, c kubernetes.Interface, leafLife time.Duration) *SelfManaged {
	t.Helper()
	s, err := NewSelfManaged(SelfManagedOptions{
		Client: c, Namespace: testNS, SecretName: testSecret, WebhookConfigName: testHook,
		SANs: []string{"istio-guardrail.istio-guardrail.svc", "127.0.0.1"}, LeafLifetime: leafLife,
		SyncInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewSelfManaged: %v", err)
	}
	return s
}

func getSecret(t *testing.T, c kubernetes.Interface) *corev1.Secret {
	t.Helper()
	sec, err := c.CoreV1().Secrets(testNS).Get(t.Context(), testSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get secret: %v", err)
	}
	return sec
}

func TestSelfManagedSyncCreatesSecretAndInjectsCA(t *testing.T) {
	objs := append(webhookConfigs(testHook), webhookConfigs("someone-else")[0])
	c := fake.NewClientset(objs...)
	s := newTestSelfManaged(t, c, time.Hour)
	if s.Healthy() {
		t.Fatal("healthy before the first sync")
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	sec := getSecret(t, c)
	for _, k := range []string{SecretCACertKey, SecretCAKeyKey, SecretCertKey, SecretKeyKey} {
		if len(sec.Data[k]) == 0 {
			t.Errorf("secret key %s empty", k)
		}
	}
	ca := sec.Data[SecretCACertKey]
	vwc, _ := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), testHook, metav1.GetOptions{})
	for _, w := range vwc.Webhooks {
		if !bytes.Equal(w.ClientConfig.CABundle, ca) {
			t.Errorf("validating webhook %s caBundle is not the CA", w.Name)
		}
	}
	mwc, _ := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(t.Context(), testHook, metav1.GetOptions{})
	if !bytes.Equal(mwc.Webhooks[0].ClientConfig.CABundle, ca) {
		t.Error("mutating webhook caBundle is not the CA")
	}
	other, _ := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "someone-else", metav1.GetOptions{})
	if len(other.Webhooks[0].ClientConfig.CABundle) != 0 {
		t.Error("a webhook configuration of another release was patched")
	}
	verifyServedChain(t, s, ca, "istio-guardrail.istio-guardrail.svc")
}

// verifyServedChain checks the served leaf verifies against caPEM for host.
func verifyServedChain(t *testing.T, s Source, caPEM []byte, host string) {
	t.Helper()
	cert, err := s.GetCertificate(nil)
	if err != nil {
		t.Fatalf("GetCertificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA PEM does not parse")
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
		t.Fatalf("served leaf does not verify against the CA bundle: %v", err)
	}
}

func TestSelfManagedReplicasAgreeOnOneCA(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	replicas := make([]*SelfManaged, 4)
	var wg sync.WaitGroup
	errs := make([]error, len(replicas))
	for i := range replicas {
		replicas[i] = newTestSelfManaged(t, c, time.Hour)
		wg.Go(func() { errs[i] = replicas[i].Sync(t.Context()) })
	}
	wg.Wait()
	// A second round lets replicas that lost a race pick up the winner's data.
	for i, r := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d Sync: %v", i, errs[i])
		}
		if err := r.Sync(t.Context()); err != nil {
			t.Fatalf("replica %d second Sync: %v", i, err)
		}
	}
	ca := getSecret(t, c).Data[SecretCACertKey]
	for _, r := range replicas {
		verifyServedChain(t, r, ca, "istio-guardrail.istio-guardrail.svc")
	}
}

func TestSelfManagedRepairsBadSecret(t *testing.T) {
	tests := []struct {
		desc string
		data map[string][]byte
	}{
		{desc: "empty secret", data: nil},
		{desc: "garbage CA", data: map[string][]byte{SecretCACertKey: []byte("x"), SecretCAKeyKey: []byte("y")}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			bad := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: testSecret, Namespace: testNS}, Data: tc.data}
			c := fake.NewClientset(bad)
			s := newTestSelfManaged(t, c, time.Hour)
			if err := s.Sync(t.Context()); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			verifyServedChain(t, s, getSecret(t, c).Data[SecretCACertKey], "127.0.0.1")
		})
	}
}

func TestSelfManagedRotatesLeafKeepingCA(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	s := newTestSelfManaged(t, c, 3*time.Second)
	go func() { _ = s.Start(t.Context()) }()
	eventually(t, 2*time.Second, "first leaf", s.Healthy)
	first, _ := s.GetCertificate(nil)
	ca := getSecret(t, c).Data[SecretCACertKey]
	eventually(t, 5*time.Second, "rotated leaf", func() bool {
		cur, _ := s.GetCertificate(nil)
		return !bytes.Equal(cur.Certificate[0], first.Certificate[0])
	})
	if !bytes.Equal(getSecret(t, c).Data[SecretCACertKey], ca) {
		t.Fatal("leaf rotation changed the CA")
	}
	verifyServedChain(t, s, ca, "istio-guardrail.istio-guardrail.svc")
	if !s.Expiry().After(first.Leaf.NotAfter) {
		t.Errorf("Expiry() %v not after the first leaf's %v", s.Expiry(), first.Leaf.NotAfter)
	}
}

func TestNewSelfManagedValidates(t *testing.T) {
	c := fake.NewClientset()
	tests := []struct {
		desc string
		o    SelfManagedOptions
	}{
		{desc: "no client", o: SelfManagedOptions{Namespace: "n", SecretName: "s", SANs: []string{"a"}}},
		{desc: "no secret name", o: SelfManagedOptions{Client: c, Namespace: "n", SANs: []string{"a"}}},
		{desc: "no SANs", o: SelfManagedOptions{Client: c, Namespace: "n", SecretName: "s"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := NewSelfManaged(tc.o); err == nil {
				t.Fatal("NewSelfManaged accepted invalid options")
			}
		})
	}
}

func TestSelfManagedRetriesWhenAPIUnavailable(t *testing.T) {
	c := fake.NewClientset()
	var failures atomic.Int32
	c.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if failures.Add(1) <= 3 {
			return true, nil, errors.New("connection refused")
		}
		return false, nil, nil
	})
	s := newTestSelfManaged(t, c, time.Hour)
	go func() { _ = s.Start(t.Context()) }()
	eventually(t, 3*time.Second, "a certificate after the API came back", s.Healthy)
	if failures.Load() < 4 {
		t.Errorf("only %d secret reads, want retries after failures", failures.Load())
	}
}
