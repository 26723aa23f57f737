package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

const (
	rolloverName   = "e2e-rollover"
	rolloverSecret = rolloverName + "-tls"
)

// TestCARekeyFailsNoRequest: two self-managed replicas share one Secret and
// both sit in the API server's path (one webhook each, failurePolicy Fail),
// so every request needs both trusted. The CA is re-keyed (its key made
// unusable, as a corrupted or restored Secret would) while requests flow:
// the replica that syncs first rolls over to a new CA, the other keeps its
// leaf of the old one until its own sync (here about 30 s later). With the
// old CA kept in the caBundle during the overlap, not one request fails.
func TestCARekeyFailsNoRequest(t *testing.T) {
	ns := newNamespace(t, nil)
	g1, g2 := newRolloverReplica(t, "rollover-1"), newRolloverReplica(t, "rollover-2")
	registerRolloverWebhooks(t, ns, g1, g2)
	// The replicas sync once a minute from their start: half a minute apart,
	// whichever rolls the CA over, the other serves its old leaf for about
	// half a minute more.
	startReplica(t, g1)
	time.Sleep(30 * time.Second)
	startReplica(t, g2)
	bundle := waitValidatingBundle(t, func([]byte) bool { return true })
	old := requireServes(t, g1, bundle)
	requireServes(t, g2, bundle)
	requireAllowed(t, kubectl(t, peerAuthentication("before-rekey", "STRICT"), "apply", "--dry-run=server", "-n", ns, "-f", "-"))

	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			r := env.Cluster.Kubectl(ctx, peerAuthentication("during-rekey", "STRICT"), "apply", "--dry-run=server", "-n", ns, "-f", "-")
			if ctx.Err() != nil {
				return
			}
			sent.Add(1)
			if r.Err != nil {
				failed.Add(1)
				firstFailure.CompareAndSwap(nil, r.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()

	rekeyRolloverSecret(t)
	// Both replicas end up serving leaves of a new CA (each syncs at least
	// once a minute), trusted by the bundle in force.
	err := framework.Poll(t.Context(), rotationTimeout, time.Second, func(context.Context) error {
		now := waitValidatingBundle(t, func([]byte) bool { return true })
		for i, g := range []*framework.Guardrail{g1, g2} {
			leaf, err := servedLeaf(g.Port, now)
			if err != nil {
				return fmt.Errorf("replica %d: %w", i+1, err)
			}
			if sameIssuerKey(leaf, old) {
				return fmt.Errorf("replica %d still serves a leaf of the old CA", i+1)
			}
		}
		return nil
	})
	time.Sleep(2 * time.Second) // requests after both moved
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("the replicas did not both move to the new CA: %v", err)
	}
	t.Logf("%d requests through both replicas across the CA re-key, %d failed", sent.Load(), failed.Load())
	if sent.Load() < 10 {
		t.Fatalf("only %d requests were sent: the case tests nothing", sent.Load())
	}
	if failed.Load() > 0 {
		t.Fatalf("%d of %d requests failed across the CA re-key; first:\n%v", failed.Load(), sent.Load(), firstFailure.Load())
	}
}

// sameIssuerKey reports whether a and b were signed by the same CA key.
func sameIssuerKey(a, b *x509.Certificate) bool {
	return bytes.Equal(a.AuthorityKeyId, b.AuthorityKeyId)
}

func newRolloverReplica(t *testing.T, name string) *framework.Guardrail {
	t.Helper()
	g, err := framework.NewGuardrail(framework.GuardrailOptions{
		Name: name, Dir: filepath.Dir(env.ConfigPath), Binary: env.Cluster.Binaries.Guardrail,
		Namespace: env.Namespace, Kubeconfig: env.Cluster.Kubeconfig, CertMode: framework.CertModeSelfManaged,
		ExtraArgs: []string{"--webhook-config-name=" + rolloverName, "--secret-name=" + rolloverSecret,
			"--service-name=" + rolloverName, "--extra-san=127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// registerRolloverWebhooks registers one ValidatingWebhookConfiguration
// with the Istio-kinds webhook twice, once per replica, for namespace ns only.
func registerRolloverWebhooks(t *testing.T, ns string, g1, g2 *framework.Guardrail) {
	t.Helper()
	vwc, _ := framework.WebhookConfigurations(framework.WebhookOptions{Name: rolloverName, Namespace: env.Namespace, URL: g1.URL()})
	w1 := vwc.Webhooks[0]
	only := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{ns}}
	w1.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{only}}
	w2 := *w1.DeepCopy()
	w2.Name = "second." + w1.Name
	u := g2.URL() + framework.ValidatePath
	w2.ClientConfig.URL = &u
	vwc.Webhooks = []admissionregistrationv1.ValidatingWebhook{w1, w2}
	adm := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := adm.Create(t.Context(), vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = adm.Delete(context.Background(), rolloverName, metav1.DeleteOptions{})
		_ = env.Cluster.Client.CoreV1().Secrets(env.Namespace).Delete(context.Background(), rolloverSecret, metav1.DeleteOptions{})
	})
}

// waitValidatingBundle waits until both webhooks carry the same non-empty
// caBundle that ok accepts, and returns it.
func waitValidatingBundle(t *testing.T, ok func([]byte) bool) []byte {
	t.Helper()
	var bundle []byte
	err := framework.Poll(t.Context(), rotationTimeout, 500*time.Millisecond, func(ctx context.Context) error {
		v, err := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, rolloverName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		a, b := v.Webhooks[0].ClientConfig.CABundle, v.Webhooks[1].ClientConfig.CABundle
		if len(a) == 0 || !bytes.Equal(a, b) || !ok(a) {
			return errors.New("caBundle not (yet) in both webhooks")
		}
		bundle = a
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bundle
}

// rekeyRolloverSecret makes the stored CA key unusable.
func rekeyRolloverSecret(t *testing.T) {
	t.Helper()
	secrets := env.Cluster.Client.CoreV1().Secrets(env.Namespace)
	s, err := secrets.Get(t.Context(), rolloverSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["ca.key"] = []byte("re-key")
	if _, err := secrets.Update(t.Context(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
