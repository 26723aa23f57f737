package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

const selfManagedName = "e2e-selfmanaged"

// TestSelfManagedCertificates runs a second server in self-managed cert mode
// against the same API server. Its webhook configurations start without a
// CA bundle and only match one namespace; the server must generate its CA,
// store it in a Secret and patch the bundle into both configurations.
func TestSelfManagedCertificates(t *testing.T) {
	ns := newNamespace(t, nil)
	g := startSelfManaged(t, ns)

	bundle := waitCABundle(t, selfManagedName)
	if err := verifyServing(g.Port, bundle); err != nil {
		t.Fatalf("the served certificate does not chain to the patched CA bundle: %v", err)
	}
	secret, err := env.Cluster.Client.CoreV1().Secrets(env.Namespace).Get(t.Context(), selfManagedName+"-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the self-managed Secret is missing: %v", err)
	}
	if !bytes.Contains(bundle, bytes.TrimSpace(secret.Data["ca.crt"])) {
		t.Errorf("the CA bundle does not contain the Secret's ca.crt")
	}

	requireAllowed(t, kubectl(t, testdata(t, "hardened/peerauthentication.yaml"), "apply", "-n", ns, "-f", "-"))
	requireDenied(t, kubectl(t, testdata(t, "rejected/peerauthentication.yaml"), "apply", "-n", ns, "-f", "-"), "IGR101")
	if !strings.Contains(framework.TailFile(g.LogPath(), 200), "permissive") {
		t.Errorf("the self-managed server logged no decision about the rejected object:\n%s", g.Logs())
	}
}

// startSelfManaged registers the self-managed configurations (no CA bundle,
// only namespace ns) and starts the server; both are removed at cleanup.
func startSelfManaged(t *testing.T, ns string) *framework.Guardrail {
	t.Helper()
	g, err := framework.NewGuardrail(framework.GuardrailOptions{
		Name: "selfmanaged", Dir: filepath.Dir(env.ConfigPath), Binary: env.Cluster.Binaries.Guardrail,
		Namespace: env.Namespace, Kubeconfig: env.Cluster.Kubeconfig, CertMode: framework.CertModeSelfManaged,
		ExtraArgs: []string{"--webhook-config-name=" + selfManagedName, "--secret-name=" + selfManagedName + "-tls",
			"--service-name=" + selfManagedName, "--extra-san=127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	vwc, mwc := framework.WebhookConfigurations(framework.WebhookOptions{
		Name: selfManagedName, Namespace: env.Namespace, URL: g.URL(), MutateNamespaces: true})
	only := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{ns}}
	for _, sel := range []*metav1.LabelSelector{vwc.Webhooks[0].NamespaceSelector, mwc.Webhooks[0].NamespaceSelector} {
		sel.MatchExpressions = append(sel.MatchExpressions, only)
	}
	if err := framework.ApplyWebhookConfigurations(t.Context(), env.Cluster.Client, vwc, mwc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = framework.DeleteWebhookConfigurations(context.Background(), env.Cluster.Client, selfManagedName)
		_ = g.Stop()
	})
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return g
}

// waitCABundle waits until both configurations named name carry the same,
// non-empty CA bundle and returns it.
func waitCABundle(t *testing.T, name string) []byte {
	t.Helper()
	var bundle []byte
	adm := env.Cluster.Client.AdmissionregistrationV1()
	err := framework.Poll(t.Context(), time.Minute, 500*time.Millisecond, func(ctx context.Context) error {
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

// verifyServing checks that the server on 127.0.0.1:port presents a
// certificate valid for 127.0.0.1 under the CA bundle, as the API server does.
func verifyServing(port int, bundle []byte) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return errors.New("the CA bundle holds no PEM certificate")
	}
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	return conn.Close()
}
