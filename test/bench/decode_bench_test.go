package bench_test

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// BenchmarkIstioSpecDecode locates the cost of decoding a VirtualService
// (the kind whose validation is furthest above the floor): the webhook's
// decoder against decoding the spec alone with Istio's generated
// UnmarshalJSON (golang/protobuf jsonpb, which re-scans each nested message)
// and with google.golang.org/protobuf's protojson (one pass).
func BenchmarkIstioSpecDecode(b *testing.B) {
	f, err := bench.FixtureByName("virtualservice")
	if err != nil {
		b.Fatal(err)
	}
	var obj struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(f.Object, &obj); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name   string
		decode func() error
	}{
		{"manifest.FromJSON-object", func() error { _, err := manifest.FromJSON(f.Object); return err }},
		{"istio-UnmarshalJSON-spec", func() error { return new(networkingv1alpha3.VirtualService).UnmarshalJSON(obj.Spec) }},
		{"protojson-spec", func() error {
			return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(obj.Spec, new(networkingv1alpha3.VirtualService))
		}},
		{"encoding-json-any-object", func() error { var v any; return json.Unmarshal(f.Object, &v) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				if err := c.decode(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}
