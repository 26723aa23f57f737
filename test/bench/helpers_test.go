package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/test/bench"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

func init() { ctrllog.SetLogger(logr.Discard()) }

// benchUID is the request uid of every benchmark review.
const benchUID = "9d2a51c4-3f7e-4b8a-a1c6-5e0f2d7b8c93"

// namespaces are the namespace labels the server's informer would hold.
func namespaces() policy.NamespaceLabels {
	return policy.NamespaceLabels{
		"payments":      bench.InjectedNamespaceLabels(),
		"checkout":      {"kubernetes.io/metadata.name": "checkout", "istio-injection": "enabled"},
		"istio-ingress": {"kubernetes.io/metadata.name": "istio-ingress", "istio-injection": "enabled"},
	}
}

// newEngine compiles the built-in default configuration, as serve does
// without --config.
func newEngine(tb testing.TB) *policy.Engine {
	tb.Helper()
	eng, err := policy.NewEngine(config.Default().Settings)
	if err != nil {
		tb.Fatalf("compile default settings: %v", err)
	}
	return eng
}

// handlers are the HTTP handlers under test, built as the server builds
// them: metrics on a dedicated registry, a logger at the given level.
type handlers struct {
	validate, mutate, floor http.Handler
}

func newHandlers(tb testing.TB, log *zap.Logger) handlers {
	tb.Helper()
	if log == nil {
		log = zap.NewNop()
	}
	p := webhooks.NewPolicy(nil, log)
	p.Set(newEngine(tb))
	o := webhooks.Options{
		Policy:     p,
		Decode:     manifest.FromJSON,
		Namespaces: namespaces(),
		Metrics:    webhooks.NewMetrics(prometheus.NewRegistry(), nil),
		Log:        log,
	}
	return handlers{
		validate: webhooks.NewReviewHandler(webhooks.NewValidator(o), 0, log),
		mutate:   webhooks.NewReviewHandler(webhooks.NewMutator(o), 0, log),
		floor:    webhooks.NewReviewHandler(allowAll{}, 0, log),
	}
}

// handlerPath is one handler under test with its URL path.
type handlerPath struct {
	name, path string
	handler    http.Handler
}

// paths returns the floor and the validating handler, and the mutating
// handler when withMutate is set.
func (h handlers) paths(withMutate bool) []handlerPath {
	out := []handlerPath{{"floor", webhooks.PathValidate, h.floor}, {"validate", webhooks.PathValidate, h.validate}}
	if withMutate {
		out = append(out, handlerPath{"mutate", webhooks.PathMutate, h.mutate})
	}
	return out
}

// allowAll is the floor: it answers allowed without looking at the object.
type allowAll struct{}

var _ admission.Handler = allowAll{}

func (allowAll) Handle(_ context.Context, _ admission.Request) admission.Response {
	return admission.Allowed("")
}

// discardWriter is an http.ResponseWriter that keeps only the status and
// the length of the body, so the benchmarks measure the handler, not a recorder.
type discardWriter struct {
	header  http.Header
	code    int
	n       int
	body    []byte // kept only when capture is set
	capture bool
}

func (w *discardWriter) Header() http.Header  { return w.header }
func (w *discardWriter) WriteHeader(code int) { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.capture {
		w.body = append(w.body, p...)
	}
	w.n += len(p)
	return len(p), nil
}

// post serves one review through h: the per-request work of the server
// minus the network and TLS.
func post(h http.Handler, path string, body []byte, w *discardWriter) {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	clear(w.header)
	w.code, w.n, w.body = 0, 0, w.body[:0]
	h.ServeHTTP(w, r)
}

// checkResponse serves body once and fails unless the answer is a 200
// AdmissionReview v1 echoing the uid; it returns the response.
func checkResponse(tb testing.TB, h http.Handler, path string, body []byte) *admissionv1.AdmissionResponse {
	tb.Helper()
	w := &discardWriter{header: http.Header{}, capture: true}
	post(h, path, body, w)
	if w.code != http.StatusOK {
		tb.Fatalf("POST %s: status %d: %s", path, w.code, w.body)
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(w.body, &review); err != nil {
		tb.Fatalf("POST %s: response is not JSON: %v", path, err)
	}
	if review.APIVersion != "admission.k8s.io/v1" || review.Response == nil || review.Response.UID != types.UID(benchUID) {
		tb.Fatalf("POST %s: malformed review response: %s", path, w.body)
	}
	return review.Response
}

// describe summarises a response for the benchmark log.
func describe(r *admissionv1.AdmissionResponse) string {
	return fmt.Sprintf("allowed=%v warnings=%d patch=%dB", r.Allowed, len(r.Warnings), len(r.Patch))
}
