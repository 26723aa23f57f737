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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

const (
	rolloverName   = "e2e-rollover"
	rolloverSecret = rolloverName + "-tls"
)

// TestCARekeyFailsNoRequest: three self-managed replicas share one Secret
// and all sit in the API server's path (one webhook each, failurePolicy
// Fail), so every request needs all three trusted. The CA is re-keyed (its
// key made unusable, as a corrupted or restored Secret would) while two
// clients send requests without pause between them but a short sleep: the
// replica that syncs first rolls over to a new CA, the others keep their
// leaves of the old one until their own syncs (here about 20 and 40 s
// later). With the old CA kept in the caBundle during the overlap, not one
// request fails.
func TestCARekeyFailsNoRequest(t *testing.T) {
	const (
		replicas = 3
		clients  = 2
	)
	ns := newNamespace(t, nil)
	var gs []*framework.Guardrail
	for i := range replicas {
		gs = append(gs, newRolloverReplica(t, fmt.Sprintf("rollover-%d", i+1)))
	}
	registerRolloverWebhooks(t, ns, gs)
	// The replicas sync once a minute from their start: started 20 s apart,
	// whichever rolls the CA over, the others serve their old leaves for
	// about 20 and 40 s more.
	for i, g := range gs {
		if i > 0 {
			time.Sleep(20 * time.Second)
		}
		startReplica(t, g)
	}
	bundle := waitValidatingBundle(t, func([]byte) bool { return true })
	old := requireServes(t, gs[0], bundle)
	for _, g := range gs[1:] {
		requireServes(t, g, bundle)
	}
	requireAllowed(t, kubectl(t, peerAuthentication("before-rekey", "STRICT"), "apply", "--dry-run=server", "-n", ns, "-f", "-"))

	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := env.Cluster.Kubectl(ctx, peerAuthentication(fmt.Sprintf("during-rekey-%d", c), "STRICT"), "apply", "--dry-run=server", "-n", ns, "-f", "-")
				if ctx.Err() != nil {
					return
				}
				sent.Add(1)
				if r.Err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, r.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}

	rekeyRolloverSecret(t)
	// Every replica ends up serving a leaf of a new CA (each syncs at least
	// once a minute), trusted by the bundle in force.
	err := framework.Poll(t.Context(), rotationTimeout, time.Second, func(context.Context) error {
		now := waitValidatingBundle(t, func([]byte) bool { return true })
		for i, g := range gs {
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
	time.Sleep(2 * time.Second) // requests after all moved
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("the replicas did not all move to the new CA: %v", err)
	}
	t.Logf("%d requests through %d replicas across the CA re-key, %d failed", sent.Load(), replicas, failed.Load())
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
// with the Istio-kinds webhook once per replica, for namespace ns only.
func registerRolloverWebhooks(t *testing.T, ns string, gs []*framework.Guardrail) {
	t.Helper()
	// No base URL: each entry's URL is the chart's path, prefixed per replica below.
	vwc, _, err := framework.WebhookConfigurations(t.Context(), env.Cluster.Binaries.Helm,
		framework.WebhookOptions{Name: rolloverName, Namespace: env.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	w := vwc.Webhooks[0]
	only := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{ns}}
	w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{only}}
	vwc.Webhooks = nil
	for i, g := range gs {
		wi := *w.DeepCopy()
		wi.Name = fmt.Sprintf("r%d.%s", i+1, w.Name)
		u := g.URL() + *w.ClientConfig.URL
		wi.ClientConfig.URL = &u
		vwc.Webhooks = append(vwc.Webhooks, wi)
	}
	adm := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := adm.Create(t.Context(), vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = adm.Delete(context.Background(), rolloverName, metav1.DeleteOptions{})
		_ = env.Cluster.Client.CoreV1().Secrets(env.Namespace).Delete(context.Background(), rolloverSecret, metav1.DeleteOptions{})
	})
}

// waitValidatingBundle waits until every webhook carries the same non-empty
// caBundle that ok accepts, and returns it.
func waitValidatingBundle(t *testing.T, ok func([]byte) bool) []byte {
	t.Helper()
	var bundle []byte
	err := framework.Poll(t.Context(), rotationTimeout, 500*time.Millisecond, func(ctx context.Context) error {
		v, err := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, rolloverName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		a := v.Webhooks[0].ClientConfig.CABundle
		for _, w := range v.Webhooks[1:] {
			if !bytes.Equal(a, w.ClientConfig.CABundle) {
				return errors.New("the webhooks' caBundles differ (yet)")
			}
		}
		if len(a) == 0 || !ok(a) {
			return errors.New("caBundle not (yet) in the webhooks")
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
