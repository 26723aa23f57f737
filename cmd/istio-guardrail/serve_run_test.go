package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/istio-guardrail/istio-guardrail/certs"
)

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeServingCert writes a CA-signed pair for 127.0.0.1 into dir and returns the CA PEM.
func writeServingCert(t *testing.T, dir string) []byte {
	t.Helper()
	c := fake.NewClientset()
	src, err := certs.NewSelfManaged(certs.SelfManagedOptions{Client: c, Namespace: "n", SecretName: "s", SANs: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	sec, _ := c.CoreV1().Secrets("n").Get(t.Context(), "s", metav1.GetOptions{})
	for name, key := range map[string]string{certs.CertFileName: certs.SecretCertKey, certs.KeyFileName: certs.SecretKeyKey} {
		if err := os.WriteFile(filepath.Join(dir, name), sec.Data[key], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return sec.Data[certs.SecretCACertKey]
}

func TestServeFileModeHotReloadAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ca := writeServingCert(t, dir)
	cfgPath := filepath.Join(dir, "config.yaml")
	writeConfig := func(action string) {
		tmp := cfgPath + ".tmp"
		doc := "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: " + action + "\n"
		if err := os.WriteFile(tmp, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfgPath); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("deny")
	webhookAddr, healthAddr := freeAddr(t), freeAddr(t)
	host, port, _ := net.SplitHostPort(webhookAddr)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	f, err := parseServeFlags([]string{"--cert-dir=" + dir, "--config=" + cfgPath, "--bind-address=" + host, "--port=" + port,
		"--health-addr=" + healthAddr, "--metrics-addr=0", "--shutdown-grace=1s"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, f, zap.NewNop()) }()
	waitUntil(t, "readiness", func() bool {
		resp, err := http.Get("http://" + healthAddr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "https://" + webhookAddr + "/validate"
	if allowed := postPeerAuth(t, client, url); allowed {
		t.Fatal("PERMISSIVE PeerAuthentication allowed under the deny config")
	}
	writeConfig("warn")
	waitUntil(t, "the warn config to take effect", func() bool { return postPeerAuth(t, client, url) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return within 5s of cancel")
	}
}

// postPeerAuth sends a PERMISSIVE PeerAuthentication and reports whether it was allowed.
func postPeerAuth(t *testing.T, client *http.Client, url string) bool {
	t.Helper()
	body := []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1",` +
		`"kind":{"group":"security.istio.io","version":"v1","kind":"PeerAuthentication"},"operation":"CREATE",` +
		`"namespace":"istio-system","name":"default","object":{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication",` +
		`"metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"PERMISSIVE"}}}}}`)
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil || review.Response.UID != "u1" {
		t.Fatalf("malformed response (%v): %+v", err, review)
	}
	return review.Response.Allowed
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
