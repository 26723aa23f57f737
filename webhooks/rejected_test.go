package webhooks

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"
)

// TestRejectionsAreCounted sends one request per kind of HTTP-layer
// rejection and checks istio_guardrail_requests_rejected_total{webhook,code}
// moves by exactly one for that webhook and code, and no other series.
func TestRejectionsAreCounted(t *testing.T) {
	const maxBody = 64 << 10
	valid := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(nil, "")))
	post := func(body []byte, contentType string, length int64) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.ContentLength = length
		return r
	}
	noConfig := fakeOptions()
	noConfig.Policy = NewPolicy(nil, nil) // nothing loaded yet
	tests := []struct {
		desc    string
		webhook string // "" builds the handler as NewReviewHandler does
		opts    Options
		full    bool // the in-flight cap is held by others
		req     *http.Request
		want    string
	}{
		{desc: "wrong content type", webhook: webhookValidate, req: post(valid, "text/plain", int64(len(valid))), want: "415"},
		{desc: "wrong method", webhook: webhookMutate, req: httptest.NewRequest(http.MethodGet, "/mutate", nil), want: "405"},
		{desc: "declared body over the cap", webhook: webhookValidate, req: post(valid, "application/json", maxBody+1), want: "413"},
		{desc: "streamed body over the cap", webhook: webhookMutate,
			req: post(bytes.Repeat([]byte(" "), maxBody+1), "application/json", -1), want: "413"},
		{desc: "unreadable review", webhook: webhookValidate, req: post([]byte(`{"apiVersion":`), "application/json", 14), want: "400"},
		{desc: "in-flight cap full", webhook: webhookMutate, full: true, req: post(valid, "application/json", int64(len(valid))), want: "429"},
		{desc: "no configuration yet", webhook: webhookValidate, opts: noConfig, req: post(valid, "application/json", int64(len(valid))), want: "503"},
		{desc: "unnamed handler", req: post(valid, "text/plain", int64(len(valid))), want: "415"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			m := NewMetrics(prometheus.NewRegistry(), nil)
			opts := tc.opts
			if opts.Policy == nil {
				opts = fakeOptions()
			}
			l := newInflightLimiter(maxBody, 0, maxBody, 20*time.Millisecond)
			if tc.full && !l.sem.TryAcquire(l.capacity) {
				t.Fatal("could not fill the in-flight cap")
			}
			h := newReviewHandler(NewValidator(opts), maxBody, l, nil)
			h.webhook, h.metrics = tc.webhook, m
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tc.req)
			if got := fmt.Sprint(w.Code); got != tc.want {
				t.Fatalf("HTTP %s, want %s: %s", got, tc.want, w.Body)
			}
			webhook := webhookLabel(tc.webhook)
			if got := testutil.ToFloat64(m.rejected.WithLabelValues(webhook, tc.want)); got != 1 {
				t.Errorf("rejected{webhook=%q,code=%q} = %v, want 1", webhook, tc.want, got)
			}
			if n := testutil.CollectAndCount(m.rejected); n != 1 {
				t.Errorf("%d rejection series, want 1", n)
			}
		})
	}
}

// TestAcceptedRequestsAreNotRejections checks a review answered with a
// verdict, denial included, adds no rejection series.
func TestAcceptedRequestsAreNotRejections(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry(), nil)
	h := newReviewHandler(NewValidator(fakeOptions()), 0, nil, nil)
	h.webhook, h.metrics = webhookValidate, m
	for _, ann := range []map[string]string{nil, {annDeny: "bad"}} {
		body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(ann, "")))
		if w := serve(h, body, "application/json"); w.Code != http.StatusOK {
			t.Fatalf("HTTP %d, want 200: %s", w.Code, w.Body)
		}
	}
	if n := testutil.CollectAndCount(m.rejected); n != 0 {
		t.Errorf("%d rejection series after two verdicts, want 0", n)
	}
}

// TestRejectionLabelsAreBounded checks values outside the fixed sets fall
// into "other".
func TestRejectionLabelsAreBounded(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry(), nil)
	for _, w := range []string{"/validate/../x", "VALIDATE", strings.Repeat("a", 300)} {
		m.rejection(w, http.StatusTeapot)
		m.rejection(w, 599)
	}
	if got := testutil.ToFloat64(m.rejected.WithLabelValues(labelOther, labelOther)); got != 6 {
		t.Errorf("rejected{other,other} = %v, want 6", got)
	}
	if n := testutil.CollectAndCount(m.rejected); n != 1 {
		t.Errorf("%d rejection series, want 1", n)
	}
}

// TestServerCountsRejectionsPerWebhook runs the real server: a 415 on each
// endpoint is counted under its webhook, a stalled body under 408, and
// requests for paths that are not webhooks (answered 404 by the mux) add no
// series at all, whatever the path.
func TestServerCountsRejectionsPerWebhook(t *testing.T) {
	src, ca := selfManagedSource(t, time.Hour)
	m := NewMetrics(prometheus.NewRegistry(), nil)
	ts := startServer(t, ServerOptions{Certificates: src, Metrics: m, BodyStartTimeout: 100 * time.Millisecond})
	cfg := clientTLS(t, ca)
	client := httpClient(cfg, false)
	base := "https://" + ts.WebhookAddr()
	for _, path := range []string{"/nope", "/validate/x", "/" + strings.Repeat("z", 200), "/metrics"} {
		resp, err := client.Post(base+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d, want 404", path, resp.StatusCode)
		}
	}
	if n := testutil.CollectAndCount(m.rejected); n != 0 {
		t.Errorf("unknown paths added %d rejection series, want 0", n)
	}
	for _, path := range []string{PathValidate, PathMutate} {
		resp, err := client.Post(base+path, "text/plain", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("%s: HTTP %d, want 415", path, resp.StatusCode)
		}
	}
	for _, w := range []string{webhookValidate, webhookMutate} {
		if got := testutil.ToFloat64(m.rejected.WithLabelValues(w, "415")); got != 1 {
			t.Errorf("rejected{webhook=%q,code=415} = %v, want 1", w, got)
		}
	}

	// A client that declares a body and never sends it is cut off after
	// the body-start timeout and counted as 408.
	conn, err := tls.Dial("tcp", ts.WebhookAddr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", PathValidate); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled body: HTTP %d, want 408", resp.StatusCode)
	}
	if got := testutil.ToFloat64(m.rejected.WithLabelValues(webhookValidate, "408")); got != 1 {
		t.Errorf("rejected{webhook=validate,code=408} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.rejected); n != 3 {
		t.Errorf("%d rejection series, want 3", n)
	}
}
