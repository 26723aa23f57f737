package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/certs"
)

// slowHandler delays every request so some are in flight at shutdown.
type slowHandler struct {
	next  admission.Handler
	delay time.Duration
}

func (s slowHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	time.Sleep(s.delay)
	return s.next.Handle(ctx, req)
}

func TestGracefulShutdownUnderLoad(t *testing.T) {
	src, ca := selfManagedSource(t, time.Hour)
	ts := startServer(t, ServerOptions{
		Certificates:  src,
		Validator:     slowHandler{next: NewValidator(fakeOptions()), delay: 600 * time.Millisecond},
		ShutdownGrace: 5 * time.Second, ShutdownDelay: 300 * time.Millisecond,
	})
	client := httpClient(clientTLS(t, ca), true)
	url := "https://" + ts.WebhookAddr() + PathValidate
	stop := make(chan struct{})
	lr := startLoad(16, stop, func(w, i int) error {
		req := request(admissionv1.Create, podKind, "app", podJSON(nil, ""))
		req.UID = types.UID(fmt.Sprintf("u-%d-%d", w, i))
		_, err := postReview(client, url, req)
		return err
	})
	// Requests take 600ms and the server stops accepting 300ms after the
	// cancel, so requests are in flight when http.Server.Shutdown runs.
	time.Sleep(700 * time.Millisecond)
	ts.cancel() // what SIGTERM does through signal.NotifyContext
	// Like the endpoints controller, stop sending new requests once readiness is false.
	waitNotReady(t, ts.HealthAddr())
	close(stop)
	lr.wait(t)
	if err := ts.stop(t); err != nil {
		t.Fatalf("Run returned %v, want a clean shutdown", err)
	}
	if _, err := postReview(client, url, request(admissionv1.Create, podKind, "app", podJSON(nil, ""))); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func waitNotReady(t *testing.T, healthAddr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + healthAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("readiness did not go false after shutdown began")
}

func TestFileCertificateRotationUnderLoad(t *testing.T) {
	first, caA := selfManagedSource(t, time.Hour)
	second, caB := selfManagedSource(t, 2*time.Hour)
	dir := t.TempDir()
	writeServed(t, dir, first)
	src, err := certs.NewFileSource(dir, nil, certs.WithResync(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = src.Start(t.Context()) }()
	waitFor(t, 2*time.Second, "file certificate", src.Healthy)
	ts := startServer(t, ServerOptions{Certificates: src})
	cfg := clientTLS(t, caA, caB)
	rotationUnderLoad(t, ts, cfg, func() { writeServed(t, dir, second) }, leafOf(t, second))
}

func TestSelfManagedRotationUnderLoad(t *testing.T) {
	src, ca := selfManagedSource(t, 3*time.Second)
	go func() { _ = src.Start(t.Context()) }()
	ts := startServer(t, ServerOptions{Certificates: src})
	before := leafOf(t, src)
	rotationUnderLoad(t, ts, clientTLS(t, ca), func() {}, nil)
	if after := servedLeaf(t, ts.WebhookAddr(), clientTLS(t, ca)); after.SerialNumber.Cmp(before.SerialNumber) == 0 {
		t.Fatal("self-managed leaf was not rotated")
	}
}

// rotationUnderLoad runs handshake-per-request load while rotate runs, and
// waits until the served leaf is want (or, if want is nil, until it
// changes), within a few seconds, with zero failed requests.
func rotationUnderLoad(t *testing.T, ts *testServer, cfg *tls.Config, rotate func(), want *x509.Certificate) {
	t.Helper()
	client := httpClient(cfg, false)
	url := "https://" + ts.WebhookAddr() + PathValidate
	stop := make(chan struct{})
	lr := startLoad(8, stop, func(_, _ int) error {
		req := request(admissionv1.Create, podKind, "app", podJSON(nil, ""))
		_, err := postReview(client, url, req)
		return err
	})
	start := servedLeaf(t, ts.WebhookAddr(), cfg)
	time.Sleep(200 * time.Millisecond)
	rotate()
	waitFor(t, 5*time.Second, "the new certificate to be served", func() bool {
		got := servedLeaf(t, ts.WebhookAddr(), cfg)
		if want != nil {
			return got.Equal(want)
		}
		return !got.Equal(start)
	})
	time.Sleep(200 * time.Millisecond)
	close(stop)
	lr.wait(t)
}

// writeServed writes the certificate src serves into dir, certificate first,
// the way a naive (non-atomic) writer would.
func writeServed(t *testing.T, dir string, src certs.Source) {
	t.Helper()
	c, err := src.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	var certPEM bytes.Buffer
	for _, der := range c.Certificate {
		_ = pem.Encode(&certPEM, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, certs.CertFileName), certPEM.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, certs.KeyFileName), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func leafOf(t *testing.T, src certs.Source) *x509.Certificate {
	t.Helper()
	c, err := src.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
