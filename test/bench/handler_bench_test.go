package bench_test

import (
	"io"
	"net/http"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/istio-guardrail/istio-guardrail/test/bench"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// mutated lists the fixtures the mutating webhook sees (the chart sends it
// Pods and Namespaces).
var mutated = map[string]bool{"pod": true, "injected-pod": true, "namespace": true}

// BenchmarkHandler measures, per fixture, one AdmissionReview through the
// real HTTP handler (read body, decode review, decode object, evaluate,
// encode response) against the floor: the same handler stack answering
// allowed without looking at the object. cmd/benchtable reports the ratios.
func BenchmarkHandler(b *testing.B) {
	fixtures, err := bench.Fixtures()
	if err != nil {
		b.Fatal(err)
	}
	h := newHandlers(b, zap.NewNop())
	for _, f := range fixtures {
		body := f.Review(benchUID)
		for _, p := range h.paths(mutated[f.Name]) {
			b.Run(f.Name+"/"+p.name, func(b *testing.B) {
				checkResponse(b, p.handler, p.path, body)
				benchServe(b, p.handler, p.path, body)
			})
		}
	}
}

// BenchmarkHandlerLogging measures the cost of the one decision log line
// per request: the injected pod through the validating handler with the
// server's production JSON logger at info (to io.Discard) against no logger.
func BenchmarkHandlerLogging(b *testing.B) {
	f, err := bench.FixtureByName("injected-pod")
	if err != nil {
		b.Fatal(err)
	}
	body := f.Review(benchUID)
	for _, c := range []struct {
		name string
		log  *zap.Logger
	}{{"nop", zap.NewNop()}, {"json-info", jsonLogger()}} {
		h := newHandlers(b, c.log)
		b.Run(c.name, func(b *testing.B) {
			checkResponse(b, h.validate, webhooks.PathValidate, body)
			benchServe(b, h.validate, webhooks.PathValidate, body)
		})
	}
}

// benchServe runs the benchmark loop of one handler and body.
func benchServe(b *testing.B, h http.Handler, path string, body []byte) {
	w := &discardWriter{header: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := processCPU(b)
	for b.Loop() {
		post(h, path, body, w)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
	reportCPU(b, cpu)
}

// jsonLogger is zap's production JSON encoder at info, writing to io.Discard.
func jsonLogger() *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel))
}
