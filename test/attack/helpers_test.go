package attack

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/istio-guardrail/istio-guardrail/certs"
	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

func init() { ctrllog.SetLogger(logr.Discard()) }

// guardrail is the real validating and mutating handlers over an engine
// compiled from a GuardrailConfig, with their metrics and decision log.
type guardrail struct {
	reg       *prometheus.Registry
	validator *webhooks.Validator
	mutator   *webhooks.Mutator
	logs      *observer.ObservedLogs
}

// newGuardrail compiles cfg (nil: no configuration loaded yet).
func newGuardrail(t testing.TB, cfg *config.Config) *guardrail {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := webhooks.NewMetrics(reg, nil)
	core, logs := observer.New(zap.InfoLevel)
	pol := webhooks.NewPolicy(m, nil)
	if cfg != nil {
		eng, err := policy.NewEngine(cfg.Settings)
		if err != nil {
			t.Fatal(err)
		}
		pol.Set(eng)
	}
	o := webhooks.Options{Policy: pol, Decode: manifest.FromJSON,
		Metrics: m, Log: zap.New(core)}
	return &guardrail{reg: reg, validator: webhooks.NewValidator(o), mutator: webhooks.NewMutator(o), logs: logs}
}

// parseConfig parses a GuardrailConfig document body (without the header).
func parseConfig(t testing.TB, body string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte("apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\n" + body))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// review encodes an AdmissionReview v1 for raw.
func review(t testing.TB, uid string, op admissionv1.Operation, gvk metav1.GroupVersionKind, ns, name string, raw []byte) []byte {
	t.Helper()
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: types.UID(uid), Kind: gvk, Operation: op, Namespace: ns, Name: name,
			Object: runtime.RawExtension{Raw: raw}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post serves body to h in-process and returns the status and the decoded
// response (nil unless 200).
func post(t testing.TB, h http.Handler, body []byte) (int, *admissionv1.AdmissionResponse) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, webhooks.PathValidate, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return w.Code, nil
	}
	var rv admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &rv); err != nil || rv.Response == nil {
		t.Fatalf("undecodable 200 answer: %v: %.200s", err, w.Body.String())
	}
	return w.Code, rv.Response
}

// tlsServer is the real webhook server on loopback with a CA-signed leaf.
type tlsServer struct {
	srv  *webhooks.Server
	pool *x509.CertPool
}

func startTLSServer(t *testing.T, g *guardrail, o webhooks.ServerOptions) *tlsServer {
	t.Helper()
	ca, err := testpki.NewCA("attack CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(testpki.LeafOptions{CommonName: "127.0.0.1", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := leaf.Write(dir, "tls.crt", "tls.key"); err != nil {
		t.Fatal(err)
	}
	src, err := certs.NewFileSource(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.BindAddress, o.HealthAddr, o.Certificates = "127.0.0.1", "127.0.0.1:0", src
	o.Validator, o.Mutator, o.Gatherer = g.validator, g.mutator, g.reg
	o.ShutdownGrace, o.ShutdownDelay = 2*time.Second, time.Millisecond
	srv, err := webhooks.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Logf("server shutdown: %v", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tlsServer{srv: srv, pool: pool}
}

func (s *tlsServer) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// seriesOf counts the series of metric family name in reg.
func seriesOf(t testing.TB, reg prometheus.Gatherer, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

// counterValue returns the value of the series of name with the given labels.
func counterValue(t testing.TB, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// loadResult is what a run of real reviews saw.
type loadResult struct {
	lat      []time.Duration // of the answered requests, sorted
	failed   int             // transport errors and non-200 answers
	first    string          // the first failure, for the log
	newConns int             // requests that had to open a connection
	slowNew  int             // of the requests over 100ms, those that opened one
	slow     int             // requests over 100ms
	unsent   int             // requests not sent because the time bound passed
}

// pct returns the p-quantile of the latencies (0 if none).
func (r loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d answered: p50 %s, p99 %s, max %s; %d failed (first: %s); %d over 100ms, %d of them on a new connection; %d new connections; %d not sent in time",
		len(r.lat), r.pct(0.50), r.pct(0.99), r.pct(1), r.failed, r.first, r.slow, r.slowNew, r.newConns, r.unsent)
}

// reviewTimeBound bounds a run of reviews: requests not sent by then are
// counted as unsent.
const reviewTimeBound = 30 * time.Second

// sendReviews posts body n times to /validate with workers in parallel
// (each pausing 10ms between requests, as a steady stream of API calls),
// from the local address from ("" any), over keep-alive connections,
// within reviewTimeBound.
func (s *tlsServer) sendReviews(t testing.TB, from string, body []byte, n, workers int) loadResult {
	t.Helper()
	return sendReviews(t, s.srv.WebhookAddr(), s.tlsConfig(), from, body, n, workers)
}

func sendReviews(t testing.TB, addr string, cfg *tls.Config, from string, body []byte, n, workers int) loadResult {
	t.Helper()
	bound := time.Now().Add(reviewTimeBound)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: cfg, MaxIdleConnsPerHost: workers, DialContext: dialer.DialContext,
	}}
	defer client.CloseIdleConnections()
	url := "https://" + addr + webhooks.PathValidate
	var mu sync.Mutex
	var res loadResult
	fail := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		if res.failed++; res.first == "" {
			res.first = msg
		}
	}
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				if time.Now().After(bound) {
					mu.Lock()
					res.unsent++
					mu.Unlock()
					continue
				}
				reused := false
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
					GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
				}), http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := client.Do(req)
				d := time.Since(start)
				mu.Lock()
				if !reused {
					res.newConns++
				}
				if d > 100*time.Millisecond {
					res.slow++
					if !reused {
						res.slowNew++
					}
				}
				mu.Unlock()
				if err != nil {
					fail(err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Sprintf("HTTP %d after %s", resp.StatusCode, d))
				}
				mu.Lock()
				res.lat = append(res.lat, d)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	sort.Slice(res.lat, func(i, j int) bool { return res.lat[i] < res.lat[j] })
	return res
}

// attackStats counts what hostile clients got: connections the server
// took (TLS handshake done) and attempts it refused (closed before the
// handshake, or not reachable).
type attackStats struct{ opened, refused atomic.Int64 }

// attackers runs n hostile clients until ctx is done, each dialing the
// webhook port from the local address from ("" any), playing play on the
// TLS connection, and dialing again as soon as it is cut off; after a
// refused attempt it waits backoff (50ms if 0). It returns the counts and a
// wait for all of them to stop.
func (s *tlsServer) attackers(ctx context.Context, n int, from string, backoff time.Duration, play func(c *tls.Conn)) (*attackStats, func()) {
	return attackAddr(ctx, s.srv.WebhookAddr(), s.tlsConfig(), n, from, backoff, play)
}

func attackAddr(ctx context.Context, addr string, cfg *tls.Config, n int, from string, backoff time.Duration, play func(c *tls.Conn)) (*attackStats, func()) {
	var st attackStats
	var wg sync.WaitGroup
	if backoff <= 0 {
		backoff = 50 * time.Millisecond
	}
	nd := &net.Dialer{Timeout: 2 * time.Second}
	if from != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				d := tls.Dialer{Config: cfg, NetDialer: nd}
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					st.refused.Add(1)
					select {
					case <-ctx.Done():
					case <-time.After(backoff):
					}
					continue
				}
				st.opened.Add(1)
				stop := context.AfterFunc(ctx, func() { _ = c.Close() })
				play(c.(*tls.Conn))
				stop()
				_ = c.Close()
			}
		})
	}
	return &st, wg.Wait
}

// peerAuthReview is a real review: a STRICT PeerAuthentication, allowed.
func peerAuthReview(t testing.TB) []byte {
	return review(t, "real", admissionv1.Create, peerAuthKind, "shop", "strict",
		[]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"strict","namespace":"shop"},"spec":{"mtls":{"mode":"STRICT"}}}`))
}
