package bench_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// checkObjects is the corpus size of BenchmarkCheckPipeline: small enough
// for several iterations per benchmark run.
const checkObjects = 250

// BenchmarkCheckPipeline measures what `check` does per object, in one
// goroutine (so objects/s is per core), against the floor of reading the
// same YAML into yaml.Nodes: the YAML floor, decoding into policy.Objects
// with positions (manifest.Parse), and decoding plus validation.
func BenchmarkCheckPipeline(b *testing.B) {
	var buf bytes.Buffer
	if _, err := bench.WriteCorpus(&buf, checkObjects); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	eng := newEngine(b)
	stages := []struct {
		name string
		run  func(tb testing.TB)
	}{
		{"yaml-nodes-floor", func(tb testing.TB) { yamlNodes(tb, data) }},
		{"parse", func(tb testing.TB) { parse(tb, data) }},
		{"parse+validate", func(tb testing.TB) {
			docs := parse(tb, data)
			ctx := &policy.Context{Namespaces: namespaces()}
			for i := range docs {
				eng.Validate(ctx, docs[i].Object)
			}
		}},
	}
	for _, s := range stages {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				s.run(b)
			}
			reportCPU(b, cpu)
			if cpuSec := (processCPU(b) - cpu).Seconds(); cpuSec > 0 {
				b.ReportMetric(float64(b.N)*checkObjects/cpuSec, "objects/cpu-s")
			}
		})
	}
}

// parse decodes the corpus as check does and fails unless every object decodes.
func parse(tb testing.TB, data []byte) []manifest.Document {
	docs, errs := manifest.Parse("corpus.yaml", data, manifest.Options{DefaultNamespace: "default"})
	if len(errs) > 0 || len(docs) != checkObjects {
		tb.Fatalf("parsed %d documents, errors %v", len(docs), errs)
	}
	return docs
}

// yamlNodes decodes every document into a yaml.Node and nothing else.
func yamlNodes(tb testing.TB, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var node yaml.Node
		if err := dec.Decode(&node); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			tb.Fatal(err)
		}
		n++
	}
	if n != checkObjects {
		tb.Fatalf("decoded %d documents, want %d", n, checkObjects)
	}
}
