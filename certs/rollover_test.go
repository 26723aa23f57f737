package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// replica is one server process of a rollover test.
func replica(t *testing.T, c kubernetes.Interface, o func(*SelfManagedOptions)) *SelfManaged {
	t.Helper()
	opts := SelfManagedOptions{
		Client: c, Namespace: testNS, SecretName: testSecret, WebhookConfigName: testHook,
		SANs: []string{"istio-guardrail.istio-guardrail.svc"}, LeafLifetime: time.Hour, SyncInterval: 100 * time.Millisecond,
	}
	if o != nil {
		o(&opts)
	}
	s, err := NewSelfManaged(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSync(t *testing.T, s *SelfManaged) {
	t.Helper()
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// injectedBundle is the caBundle of every webhook of this release, which
// must all be the same.
func injectedBundle(t *testing.T, c kubernetes.Interface) []byte {
	t.Helper()
	vwc, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), testHook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mwc, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(t.Context(), testHook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := vwc.Webhooks[0].ClientConfig.CABundle
	for _, w := range vwc.Webhooks {
		if string(w.ClientConfig.CABundle) != string(b) {
			t.Fatalf("validating webhooks disagree on the caBundle")
		}
	}
	if string(mwc.Webhooks[0].ClientConfig.CABundle) != string(b) {
		t.Fatalf("the mutating webhook's caBundle differs from the validating ones")
	}
	return b
}

// trusted reports whether the API server, with bundle, accepts the served
// certificate c (as the webhook client verifies it: roots from caBundle,
// the Service DNS name).
func trusted(bundle []byte, c *tls.Certificate) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return errors.New("empty caBundle")
	}
	_, err := c.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "istio-guardrail.istio-guardrail.svc"})
	return err
}

// rekey makes the stored CA unusable, as a restored backup, an operator
// deleting ca.key or a corrupted Secret would.
func rekey(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	sec := getSecret(t, c)
	sec.Data[SecretCAKeyKey] = []byte("garbage")
	if _, err := c.CoreV1().Secrets(testNS).Update(t.Context(), sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestCARolloverKeepsReplicasTrusted: when one replica replaces the CA, the
// caBundle trusts both the new leaf and the leaves other replicas still
// serve from the old CA; once they have moved and the overlap has passed,
// the old CA is dropped.
func TestCARolloverKeepsReplicasTrusted(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	overlap := func(o *SelfManagedOptions) { o.CAOverlap = 300 * time.Millisecond }
	a, b := replica(t, c, overlap), replica(t, c, overlap)
	mustSync(t, a)
	mustSync(t, b)
	oldLeaf := b.current()
	rekey(t, c)
	mustSync(t, a)
	bundle := injectedBundle(t, c)
	if string(issuerOf(a.current())) == string(issuerOf(oldLeaf)) {
		t.Fatal("replica a still serves a leaf of the old CA after the rekey")
	}
	if err := trusted(bundle, a.current()); err != nil {
		t.Errorf("the new leaf is not trusted: %v", err)
	}
	if err := trusted(bundle, b.current()); err != nil {
		t.Errorf("replica b's leaf of the old CA is not trusted during the overlap: %v", err)
	}
	sec := getSecret(t, c)
	if len(sec.Data[SecretPreviousCAKey]) == 0 || sec.Annotations[AnnotationPreviousCAUntil] == "" {
		t.Errorf("the Secret does not record the retired CA: annotations %v", sec.Annotations)
	}
	mustSync(t, b)
	if string(b.current().Certificate[0]) != string(a.current().Certificate[0]) {
		t.Error("replica b did not pick up the new leaf")
	}
	time.Sleep(400 * time.Millisecond)
	mustSync(t, a)
	bundle = injectedBundle(t, c)
	if err := trusted(bundle, oldLeaf); err == nil {
		t.Error("the old CA is still trusted after the overlap")
	}
	if err := trusted(bundle, b.current()); err != nil {
		t.Errorf("the new leaf is not trusted after the overlap: %v", err)
	}
	if sec := getSecret(t, c); len(sec.Data[SecretPreviousCAKey]) != 0 || sec.Annotations[AnnotationPreviousCAUntil] != "" {
		t.Errorf("the retired CA is still recorded after the overlap: %v", sec.Annotations)
	}
}

// TestCARolloverAfterSecretDeleted: with the Secret gone, the replica that
// recreates it keeps trusting the CA of the leaf it serves, which is the CA
// every other replica serves leaves of.
func TestCARolloverAfterSecretDeleted(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	a, b := replica(t, c, nil), replica(t, c, nil)
	mustSync(t, a)
	mustSync(t, b)
	if err := c.CoreV1().Secrets(testNS).Delete(t.Context(), testSecret, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	bundle := injectedBundle(t, c)
	if err := trusted(bundle, b.current()); err != nil {
		t.Errorf("replica b's leaf is not trusted after the Secret was recreated: %v", err)
	}
	if err := trusted(bundle, a.current()); err != nil {
		t.Errorf("the new leaf is not trusted: %v", err)
	}
}

// TestCARolloverServesNewLeafOnlyOnceTrusted: while the new caBundle cannot
// be written, the replica keeps serving its leaf of the old CA (which the
// API server still trusts) and serves the new one once the bundle is in.
func TestCARolloverServesNewLeafOnlyOnceTrusted(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	var failUpdates atomic.Bool
	c.PrependReactor("update", "validatingwebhookconfigurations", func(k8stesting.Action) (bool, runtime.Object, error) {
		if failUpdates.Load() {
			return true, nil, errors.New("API server unavailable")
		}
		return false, nil, nil
	})
	a := replica(t, c, nil)
	mustSync(t, a)
	old := a.current()
	rekey(t, c)
	failUpdates.Store(true)
	if err := a.Sync(t.Context()); err == nil {
		t.Fatal("Sync succeeded although the caBundle could not be written")
	}
	if a.current() != old {
		t.Fatal("the replica serves a leaf of the new CA before the API server trusts it")
	}
	failUpdates.Store(false)
	mustSync(t, a)
	if a.current() == old {
		t.Fatal("the replica did not move to the new leaf once the bundle was written")
	}
	if err := trusted(injectedBundle(t, c), a.current()); err != nil {
		t.Errorf("new leaf not trusted: %v", err)
	}
}

// TestCARenewedBeforeExpiry: a CA past RenewFraction of its life is rolled
// over while its leaves are still valid, with the old CA in the overlap.
func TestCARenewedBeforeExpiry(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	a := replica(t, c, func(o *SelfManagedOptions) { o.CALifetime = 3 * time.Second; o.RenewFraction = 0.5 })
	mustSync(t, a)
	first := a.current()
	eventually(t, 5*time.Second, "CA renewal", func() bool {
		mustSync(t, a)
		return string(issuerOf(a.current())) != string(issuerOf(first))
	})
	if time.Now().After(first.Leaf.NotAfter) {
		t.Fatal("the CA was renewed only after its leaves expired")
	}
	if err := trusted(injectedBundle(t, c), first); err != nil {
		t.Errorf("the leaf of the renewed CA is not trusted during the overlap: %v", err)
	}
}
