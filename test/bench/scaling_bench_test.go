package bench_test

import (
	"fmt"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// scalingSeries are the inputs that grow along one dimension. Cost per
// object must grow linearly with the size; cmd/benchtable prints the ratio
// of time to size between consecutive points.
var scalingSeries = []struct {
	name   string
	sizes  []int
	object func(n int) []byte
	mutate bool
}{
	{"pod-env", []int{1, 100, 1000}, bench.PodWithEnv, true},
	{"pod-containers", []int{1, 10, 50}, bench.PodWithContainers, true},
	{"authz-rules", []int{1, 100, 1000}, bench.AuthorizationPolicyWithRules, false},
}

// BenchmarkScaling runs the engine (no HTTP, no decoding) over each series:
// Validate on the decoded object, and Mutate on a fresh copy of it.
func BenchmarkScaling(b *testing.B) {
	eng := newEngine(b)
	ctx := &policy.Context{Namespaces: namespaces(), Operation: "CREATE"}
	for _, s := range scalingSeries {
		for _, n := range s.sizes {
			raw := s.object(n)
			b.Run(fmt.Sprintf("validate/%s=%d", s.name, n), func(b *testing.B) {
				obj := decode(b, raw)
				b.ReportAllocs()
				cpu := processCPU(b)
				for b.Loop() {
					eng.Validate(ctx, obj)
				}
				reportCPU(b, cpu)
			})
			if !s.mutate {
				continue
			}
			b.Run(fmt.Sprintf("mutate/%s=%d", s.name, n), func(b *testing.B) {
				benchMutate(b, eng, ctx, raw)
			})
		}
	}
}

// benchMutate measures Engine.Mutate on a fresh decode of raw each
// iteration; the decode is outside the timer.
func benchMutate(b *testing.B, eng *policy.Engine, ctx *policy.Context, raw []byte) {
	if res, err := eng.Mutate(ctx, decode(b, raw)); err != nil || len(res.Applied) == 0 {
		b.Fatalf("mutate changed nothing (%+v) or failed: %v", res, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		obj := decode(b, raw)
		b.StartTimer()
		if _, err := eng.Mutate(ctx, obj); err != nil {
			b.Fatal(err)
		}
	}
}

// decode decodes raw as the webhook does.
func decode(tb testing.TB, raw []byte) *policy.Object {
	tb.Helper()
	obj, err := manifest.FromJSON(raw)
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	return obj
}
