package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// TestAPIServerAuthenticatesWithClientCertificate follows the chart
// README's "Authenticating the API server" on a real kube-apiserver of its
// own: the API server gets an AdmissionConfiguration whose webhook
// kubeconfig presents a client certificate for the guardrail's address, and
// the guardrail runs with --client-ca-file. The API server's reviews get
// through (a PERMISSIVE PeerAuthentication is denied by IGR101, which only
// the webhook can do), while a client without the certificate fails the TLS
// handshake, and one with a certificate of another CA too.
func TestAPIServerAuthenticatesWithClientCertificate(t *testing.T) {
	dir := t.TempDir()
	clientCA, err := testpki.NewCA("apiserver webhook client CA")
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientCA.Issue(testpki.LeafOptions{CommonName: "kube-apiserver-webhook-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Write(dir, "apiserver-client.crt", "apiserver-client.key"); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "client-ca.crt")
	if err := os.WriteFile(caFile, clientCA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := framework.NewGuardrail(framework.GuardrailOptions{
		Name: "client-cert", Dir: dir, Binary: env.Cluster.Binaries.Guardrail, Namespace: env.Namespace,
		ExtraArgs: []string{"--client-ca-file=" + caFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The webhook kubeconfig: for a URL webhook the API server looks the
	// user up by the URL's host:port (for a Service, <svc>.<ns>.svc).
	kc := clientcmdapi.NewConfig()
	kc.AuthInfos[fmt.Sprintf("127.0.0.1:%d", g.Port)] = &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(dir, "apiserver-client.crt"), ClientKey: filepath.Join(dir, "apiserver-client.key")}
	kubeconfig := filepath.Join(dir, "webhook-kubeconfig.yaml")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}
	admission := filepath.Join(dir, "admission.yaml")
	plugin := func(name string) string {
		return fmt.Sprintf(`  - name: %s
    configuration:
      apiVersion: apiserver.config.k8s.io/v1
      kind: WebhookAdmissionConfiguration
      kubeConfigFile: %s
`, name, kubeconfig)
	}
	if err := os.WriteFile(admission, []byte("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n"+
		plugin("ValidatingAdmissionWebhook")+plugin("MutatingAdmissionWebhook")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := framework.StartCluster(t.Context(), framework.ClusterOptions{Dir: filepath.Join(dir, "cluster"), Binaries: env.Cluster.Binaries,
		APIServerFlags: map[string][]string{"admission-control-config-file": {admission}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := c.InstallCRDs(t.Context()); err != nil {
		t.Fatal(err)
	}
	startReplica(t, g)
	vwc, mwc, err := framework.WebhookConfigurations(t.Context(), env.Cluster.Binaries.Helm,
		framework.WebhookOptions{Name: "client-cert", Namespace: env.Namespace, CABundle: g.CA.CertPEM, URL: g.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if err := framework.ApplyWebhookConfigurations(t.Context(), c.Client, vwc, mwc); err != nil {
		t.Fatal(err)
	}
	err = framework.Poll(t.Context(), 30*time.Second, 250*time.Millisecond, func(ctx context.Context) error {
		r := c.Kubectl(ctx, peerAuthentication("permissive", "PERMISSIVE"), "apply", "--dry-run=server", "-n", "default", "-f", "-")
		if r.Err != nil && strings.Contains(r.Stderr, "denied the request") && strings.Contains(r.Stderr, "IGR101") {
			return nil
		}
		return fmt.Errorf("not denied by the webhook: %s", r)
	})
	if err != nil {
		t.Fatalf("the API server's review did not reach the webhook: %v\nguardrail log:\n%s", err, g.Logs())
	}
	requireAllowed(t, c.Kubectl(t.Context(), peerAuthentication("strict", "STRICT"), "apply", "--dry-run=server", "-n", "default", "-f", "-"))

	roots := x509.NewCertPool()
	roots.AddCert(g.CA.Cert)
	other, err := testpki.NewCA("someone else's CA")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Issue(testpki.LeafOptions{CommonName: "kube-apiserver-webhook-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	forgedPair, err := tls.X509KeyPair(forged.CertPEM, forged.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for desc, certs := range map[string][]tls.Certificate{"no client certificate": nil, "a certificate of another CA": {forgedPair}} {
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", g.Port), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1",
			MinVersion: tls.VersionTLS12, Certificates: certs})
		if err == nil {
			// TLS 1.3: the server's verdict on the client certificate arrives with the first read.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Read(make([]byte, 1))
			_ = conn.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: the webhook port answered (%v), want a TLS alert about the certificate", desc, err)
		}
	}
}
