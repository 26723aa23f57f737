package bench_test

import (
	"bytes"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// TestFixtures checks the benchmark inputs are what BENCHMARKS.md says:
// every fixture decodes to a typed object, the injected pod is 15-25 KB,
// and every handler answers a well-formed review for it.
func TestFixtures(t *testing.T) {
	fixtures, err := bench.Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	h := newHandlers(t, nil)
	for _, f := range fixtures {
		t.Run(f.Name, func(t *testing.T) {
			obj, err := manifest.FromJSON(f.Object)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if obj.Body == nil && f.Name != "service" {
				t.Errorf("%s decodes to no typed body: the engine would skip it", f.GVK.Kind)
			}
			for _, p := range h.paths(mutated[f.Name]) {
				checkResponse(t, p.handler, p.path, f.Review(benchUID))
			}
		})
	}
	pod, err := bench.FixtureByName("injected-pod")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pod.Object); n < 15<<10 || n > 25<<10 {
		t.Errorf("injected pod is %d bytes of JSON, want 15-25 KB", n)
	}
}

// TestMutateFixtures checks that the mutating benchmarks measure a real
// mutation: the pods get a patch, so the patch path is on the clock.
func TestMutateFixtures(t *testing.T) {
	h := newHandlers(t, nil)
	for _, name := range []string{"pod", "injected-pod"} {
		t.Run(name, func(t *testing.T) {
			f, err := bench.FixtureByName(name)
			if err != nil {
				t.Fatal(err)
			}
			resp := checkResponse(t, h.mutate, "/mutate", f.Review(benchUID))
			if len(resp.Patch) == 0 || resp.PatchType == nil {
				t.Errorf("no patch for %s: %s", name, describe(resp))
			}
		})
	}
}

// TestWriteCorpus checks the corpus generator: n documents that check's
// decoder reads without error, every name unique, every kind of the mix present.
func TestWriteCorpus(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		var buf bytes.Buffer
		if _, err := bench.WriteCorpus(&buf, n); err != nil {
			t.Fatal(err)
		}
		docs, errs := manifest.Parse("corpus.yaml", buf.Bytes(), manifest.Options{DefaultNamespace: "default"})
		if len(errs) > 0 || len(docs) != n {
			t.Fatalf("n=%d: parsed %d documents, errors %v", n, len(docs), errs)
		}
		names, kinds := map[string]bool{}, map[string]bool{}
		for _, d := range docs {
			ref := d.Object.Ref()
			if names[ref.String()] {
				t.Errorf("n=%d: duplicate object %s", n, ref)
			}
			names[ref.String()], kinds[ref.Kind] = true, true
		}
		if n >= 100 && len(kinds) != 10 {
			t.Errorf("n=%d: %d kinds in the corpus, want the 10 of the mix: %v", n, len(kinds), kinds)
		}
	}
}

// TestSyntheticObjects checks the scaling inputs decode and grow as named.
func TestSyntheticObjects(t *testing.T) {
	for _, s := range scalingSeries {
		prev := 0
		for _, n := range s.sizes {
			raw := s.object(n)
			if _, err := manifest.FromJSON(raw); err != nil {
				t.Errorf("%s=%d: %v", s.name, n, err)
			}
			if len(raw) <= prev {
				t.Errorf("%s=%d: %d bytes, not larger than the previous size (%d)", s.name, n, len(raw), prev)
			}
			prev = len(raw)
		}
	}
}
