package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/istio-guardrail/istio-guardrail/certs"
	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// selfManagedSource returns a synced self-managed source for 127.0.0.1
// backed by a fake clientset, and its CA PEM.
func selfManagedSource(t *testing.T, leafLife time.Duration) (*certs.SelfManaged, []byte) {
	t.Helper()
	c := fake.NewClientset()
	src, err := certs.NewSelfManaged(certs.SelfManagedOptions{
		Client: c, Namespace: "ns", SecretName: "tls", SANs: []string{"127.0.0.1"},
		LeafLifetime: leafLife, SyncInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	sec, err := c.CoreV1().Secrets("ns").Get(t.Context(), "tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return src, sec.Data[certs.SecretCACertKey]
}

// testServer is a running Server and a way to stop it.
type testServer struct {
	*Server
	cancel context.CancelFunc
	done   chan error
}

// startServer runs a Server on loopback with o (certificate, handlers and
// addresses defaulted) until the test ends.
func startServer(t *testing.T, o ServerOptions) *testServer {
	t.Helper()
	if o.Validator == nil {
		o.Validator = NewValidator(fakeOptions())
	}
	if o.Mutator == nil {
		o.Mutator = NewMutator(fakeOptions())
	}
	o.BindAddress, o.HealthAddr = "127.0.0.1", "127.0.0.1:0"
	if o.MetricsAddr == "" {
		o.MetricsAddr = "0"
	}
	if o.ShutdownGrace == 0 {
		o.ShutdownGrace, o.ShutdownDelay = 2*time.Second, 50*time.Millisecond
	}
	srv, err := NewServer(o)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: srv, cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- srv.Run(ctx) }()
	t.Cleanup(func() { _ = ts.stop(t) })
	return ts
}

// stop cancels the server and waits for Run to return.
func (ts *testServer) stop(t *testing.T) error {
	t.Helper()
	ts.cancel()
	select {
	case err := <-ts.done:
		ts.done <- err // keep it for a second stop
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s")
		return nil
	}
}

// clientTLS returns a client TLS config trusting the given CA PEMs.
func clientTLS(t *testing.T, caPEMs ...[]byte) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	for _, p := range caPEMs {
		if !pool.AppendCertsFromPEM(p) {
			t.Fatal("bad CA PEM")
		}
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// httpClient returns an HTTP/1.1 client with cfg; keepAlive false forces a
// handshake per request.
func httpClient(cfg *tls.Config, keepAlive bool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: cfg, DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 64, ForceAttemptHTTP2: false,
	}}
}

// postReview sends one validating review and checks the answer is a
// well-formed 200 response for its uid; it returns the response.
func postReview(client *http.Client, url string, req admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Request: &req})
	if err != nil {
		return nil, err
	}
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, data)
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &review); err != nil {
		return nil, fmt.Errorf("malformed response %s: %w", data, err)
	}
	if review.Response == nil || review.Response.UID != req.UID {
		return nil, fmt.Errorf("malformed response %s: no response for uid %s", data, req.UID)
	}
	return review.Response, nil
}

// loadRun sends requests from workers goroutines until stop is closed and
// counts successes and failures (check returns an error for a wrong answer).
type loadRun struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	firstErr   error
	wg         sync.WaitGroup
}

func startLoad(workers int, stop <-chan struct{}, send func(worker, i int) error) *loadRun {
	lr := &loadRun{}
	for w := range workers {
		lr.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := send(w, i); err != nil {
					lr.failed.Add(1)
					lr.mu.Lock()
					if lr.firstErr == nil {
						lr.firstErr = err
					}
					lr.mu.Unlock()
				} else {
					lr.ok.Add(1)
				}
			}
		})
	}
	return lr
}

// wait waits for the workers and fails the test on any failed request.
func (lr *loadRun) wait(t *testing.T) {
	t.Helper()
	lr.wg.Wait()
	t.Logf("load run: %d requests ok, %d failed", lr.ok.Load(), lr.failed.Load())
	if lr.failed.Load() > 0 {
		t.Fatalf("%d requests failed; first: %v", lr.failed.Load(), lr.firstErr)
	}
	if lr.ok.Load() == 0 {
		t.Fatal("load run sent no successful request")
	}
}

// servedLeaf dials addr and returns the leaf certificate it serves.
func servedLeaf(t *testing.T, addr string, cfg *tls.Config) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// clientCert issues a client certificate from a fresh CA; it returns the
// certificate and the CA pool that verifies it.
func clientCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	ca, err := testpki.NewCA("client-ca")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(testpki.LeafOptions{CommonName: "kube-apiserver", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return cert, pool
}
