package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

const (
	selfManagedName   = "e2e-selfmanaged"
	selfManagedSecret = selfManagedName + "-tls"
	// rotationTimeout covers the server's one-minute sync interval.
	rotationTimeout = 100 * time.Second
)

// TestSelfManagedCertificates runs servers in self-managed cert mode against
// the same API server. Their webhook configurations start without a CA
// bundle and only match one namespace; the server must generate a CA, keep
// it in a Secret, patch the bundle into both configurations, share the CA
// with a second replica, and rotate a leaf that is due without a window in
// which the API server cannot verify it.
func TestSelfManagedCertificates(t *testing.T) {
	ns := newNamespace(t, nil)
	g := newSelfManaged(t, "selfmanaged")
	registerSelfManagedWebhooks(t, g, ns)
	startReplica(t, g)

	bundle := waitCABundle(t, selfManagedName)
	first := requireServes(t, g, bundle)
	secret := selfManagedSecretData(t)
	if !bytes.Contains(bundle, bytes.TrimSpace(secret["ca.crt"])) {
		t.Fatalf("the CA bundle does not contain the Secret's ca.crt")
	}
	requireWebhookWorks(t, g, ns, "first")

	t.Run("a second replica serves a leaf of the same CA", func(t *testing.T) {
		g2 := newSelfManaged(t, "selfmanaged-2")
		startReplica(t, g2)
		requireServes(t, g2, bundle)
		if now := waitCABundle(t, selfManagedName); !bytes.Equal(now, bundle) {
			t.Errorf("the second replica replaced the CA bundle")
		}
	})

	t.Run("a leaf due for renewal is rotated and requests keep working", func(t *testing.T) {
		plantDueLeaf(t, secret)
		var rotated *x509.Certificate
		err := framework.Poll(t.Context(), rotationTimeout, time.Second, func(context.Context) error {
			leaf, err := servedLeaf(g.Port, bundle)
			if err != nil {
				return framework.Permanent(fmt.Errorf("serving after the Secret changed: %w", err))
			}
			if leaf.SerialNumber.Cmp(first.SerialNumber) == 0 {
				return errors.New("still serving the first leaf")
			}
			rotated = leaf
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if time.Until(rotated.NotAfter) < time.Hour {
			t.Errorf("the server serves the planted short-lived leaf (not after %s) instead of a fresh one", rotated.NotAfter)
		}
		if now := waitCABundle(t, selfManagedName); !bytes.Equal(now, bundle) {
			t.Errorf("rotating the leaf changed the CA bundle")
		}
		requireWebhookWorks(t, g, ns, "rotated")
	})

	t.Run("a replica whose leaf does not chain to the caBundle is not Ready until it is repaired", func(t *testing.T) {
		other, err := testpki.NewCA("someone else's CA")
		if err != nil {
			t.Fatal(err)
		}
		adm := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
		// overwrite gives the first webhook another CA's bundle, unless it
		// still has it (the replica's sync, once a minute, repairs it).
		overwrite := func(ctx context.Context) error {
			vwc, err := adm.Get(ctx, selfManagedName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if bytes.Equal(vwc.Webhooks[0].ClientConfig.CABundle, other.CertPEM) {
				return nil
			}
			vwc.Webhooks[0].ClientConfig.CABundle = other.CertPEM
			_, err = adm.Update(ctx, vwc, metav1.UpdateOptions{})
			return err
		}
		if err := overwrite(t.Context()); err != nil {
			t.Fatal(err)
		}
		readyz := func(ctx context.Context) (int, string) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/readyz", g.HealthPort), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err.Error()
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// The verdict is re-read at least every 10s; if a sync repaired the
		// bundle first, it is overwritten again.
		err = framework.Poll(t.Context(), 90*time.Second, 500*time.Millisecond, func(ctx context.Context) error {
			if code, body := readyz(ctx); code != http.StatusServiceUnavailable || !strings.Contains(body, "cabundle") {
				if err := overwrite(ctx); err != nil {
					return err
				}
				return fmt.Errorf("readyz %d %q, want 503 naming the cabundle check", code, body)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("a replica the API server cannot verify stayed Ready: %v", err)
		}
		// Its next sync (at most a minute) injects the bundle again: Ready.
		err = framework.Poll(t.Context(), rotationTimeout, time.Second, func(ctx context.Context) error {
			if code, body := readyz(ctx); code != http.StatusOK {
				return fmt.Errorf("readyz %d %q", code, body)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the replica did not become Ready after its bundle was repaired: %v", err)
		}
		requireServes(t, g, waitCABundle(t, selfManagedName))
	})
}

// newSelfManaged prepares (does not start) a self-managed server.
func newSelfManaged(t *testing.T, name string) *framework.Guardrail {
	t.Helper()
	g, err := framework.NewGuardrail(framework.GuardrailOptions{
		Name: name, Dir: filepath.Dir(env.ConfigPath), Binary: env.Cluster.Binaries.Guardrail,
		Namespace: env.Namespace, Kubeconfig: env.Cluster.Kubeconfig, CertMode: framework.CertModeSelfManaged,
		ExtraArgs: []string{"--webhook-config-name=" + selfManagedName, "--secret-name=" + selfManagedSecret,
			"--service-name=" + selfManagedName, "--extra-san=127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// registerSelfManagedWebhooks registers configurations without a CA bundle
// that send only namespace ns to g; they are deleted at cleanup.
func registerSelfManagedWebhooks(t *testing.T, g *framework.Guardrail, ns string) {
	t.Helper()
	vwc, mwc, err := framework.WebhookConfigurations(t.Context(), env.Cluster.Binaries.Helm,
		framework.WebhookOptions{Name: selfManagedName, Namespace: env.Namespace, URL: g.URL()})
	if err != nil {
		t.Fatal(err)
	}
	only := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{ns}}
	for _, sel := range []*metav1.LabelSelector{vwc.Webhooks[0].NamespaceSelector, mwc.Webhooks[0].NamespaceSelector} {
		sel.MatchExpressions = append(sel.MatchExpressions, only)
	}
	if err := framework.ApplyWebhookConfigurations(t.Context(), env.Cluster.Client, vwc, mwc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = framework.DeleteWebhookConfigurations(context.Background(), env.Cluster.Client, selfManagedName)
	})
}

// startReplica starts g and stops it at cleanup.
func startReplica(t *testing.T, g *framework.Guardrail) {
	t.Helper()
	t.Cleanup(func() { _ = g.Stop() })
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// requireWebhookWorks sends an allowed and a denied request through the
// API server into namespace ns (only g serves it besides the main server)
// and checks that g decided the denied one.
func requireWebhookWorks(t *testing.T, g *framework.Guardrail, ns, suffix string) {
	t.Helper()
	strict, permissive := "strict-"+suffix, "permissive-"+suffix
	requireAllowed(t, kubectl(t, peerAuthentication(strict, "STRICT"), "apply", "-n", ns, "-f", "-"))
	requireDenied(t, kubectl(t, peerAuthentication(permissive, "PERMISSIVE"), "apply", "-n", ns, "-f", "-"), "IGR101")
	if !strings.Contains(framework.TailFile(g.LogPath(), 400), ns+"/"+permissive) {
		t.Errorf("the self-managed server logged no decision about %s/%s:\n%s", ns, permissive, g.Logs())
	}
}

func peerAuthentication(name, mode string) string {
	return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: " + name +
		"\nspec:\n  mtls:\n    mode: " + mode + "\n"
}

// selfManagedSecretData returns the data of the self-managed Secret.
func selfManagedSecretData(t *testing.T) map[string][]byte {
	t.Helper()
	s, err := env.Cluster.Client.CoreV1().Secrets(env.Namespace).Get(t.Context(), selfManagedSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the self-managed Secret is missing: %v", err)
	}
	return s.Data
}

// plantDueLeaf replaces the Secret's leaf with a valid one of the same CA
// and SANs that is two thirds through its lifetime: the server must renew it.
func plantDueLeaf(t *testing.T, data map[string][]byte) {
	t.Helper()
	ca, err := testpki.ParseCA(data["ca.crt"], data["ca.key"])
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	kp, err := ca.Issue(testpki.LeafOptions{CommonName: selfManagedName, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:  []string{selfManagedName, selfManagedName + "." + env.Namespace, selfManagedName + "." + env.Namespace + ".svc"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	secrets := env.Cluster.Client.CoreV1().Secrets(env.Namespace)
	s, err := secrets.Get(t.Context(), selfManagedSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey] = kp.CertPEM, kp.KeyPEM
	if _, err := secrets.Update(t.Context(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("plant a leaf due for renewal: %v", err)
	}
}

// waitCABundle waits until both configurations named name carry the same,
// non-empty CA bundle and returns it. The wait covers the server's one-minute
// sync interval, for configurations (re)written after the server started.
func waitCABundle(t *testing.T, name string) []byte {
	t.Helper()
	var bundle []byte
	adm := env.Cluster.Client.AdmissionregistrationV1()
	err := framework.Poll(t.Context(), rotationTimeout, 500*time.Millisecond, func(ctx context.Context) error {
		v, err := adm.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		m, err := adm.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		vb, mb := v.Webhooks[0].ClientConfig.CABundle, m.Webhooks[0].ClientConfig.CABundle
		if len(vb) == 0 || !bytes.Equal(vb, mb) {
			return fmt.Errorf("caBundle not patched into both configurations yet (validating %d bytes, mutating %d bytes)", len(vb), len(mb))
		}
		bundle = vb
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bundle
}

// requireServes checks that g's certificate verifies for 127.0.0.1 under the
// CA bundle, as the API server checks it, and returns the leaf.
func requireServes(t *testing.T, g *framework.Guardrail, bundle []byte) *x509.Certificate {
	t.Helper()
	leaf, err := servedLeaf(g.Port, bundle)
	if err != nil {
		t.Fatalf("the served certificate does not chain to the CA bundle: %v", err)
	}
	return leaf
}

// servedLeaf completes a verified TLS handshake with 127.0.0.1:port.
func servedLeaf(port int, bundle []byte) (*x509.Certificate, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, errors.New("the CA bundle holds no PEM certificate")
	}
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}
