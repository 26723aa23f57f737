package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	istioscheme "istio.io/client-go/pkg/clientset/versioned/scheme"
)

// istioAPIDir returns the directory of the istio.io/api module this build uses.
func istioAPIDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m istio.io/api: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("go list -m istio.io/api: no module directory (run go mod download)")
	}
	return dir
}

// knownDocSlips are the unknown fields found in the Istio API docs' own
// examples, with the JSON name the CRD schema has instead.
var knownDocSlips = map[string]bool{
	"[{spec.http[0].redirect.prefix_rewrite prefixRewrite}]": true,
}

// yamlBlock matches a ```yaml fenced block in proto comments.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// protoExamples returns the YAML examples in the comments of the protos that
// define the Istio kinds, keyed by "file#n".
func protoExamples(t *testing.T) map[string]string {
	t.Helper()
	dir := istioAPIDir(t)
	var files []string
	for _, glob := range []string{"networking/v1alpha3/*.proto", "networking/v1beta1/*.proto", "security/v1beta1/*.proto",
		"telemetry/v1alpha1/*.proto", "extensions/v1alpha1/*.proto"} {
		m, err := filepath.Glob(filepath.Join(dir, glob))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	out := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Strip the comment markers: "// " or "//".
		var text strings.Builder
		for _, line := range strings.Split(string(src), "\n") {
			l := strings.TrimSpace(line)
			if rest, ok := strings.CutPrefix(l, "//"); ok && strings.TrimSpace(rest) != "..." {
				// "..." marks an elision in the docs; it is not YAML there.
				text.WriteString(strings.TrimPrefix(rest, " "))
			}
			text.WriteByte('\n')
		}
		for i, m := range yamlBlock.FindAllStringSubmatch(text.String(), -1) {
			out[filepath.Base(f)+"#"+string(rune('a'+i%26))+strings.Repeat("'", i/26)] = m[1]
		}
	}
	if len(out) < 100 {
		t.Fatalf("found only %d YAML examples in %s: has the layout of istio.io/api changed?", len(out), dir)
	}
	return out
}

// TestProtoCommentExamplesDecode: every example manifest in the proto
// comments of the Istio kinds decodes without error and without a field the
// API server would prune, and decodes to exactly what Istio's own decoder
// (the istio.io/client-go type's UnmarshalJSON, which istiod uses) reads.
func TestProtoCommentExamplesDecode(t *testing.T) {
	objects := 0
	for name, ex := range protoExamples(t) {
		docs, errs := Parse(name, []byte(ex), Options{})
		for _, err := range errs {
			if strings.Contains(err.Error(), "no apiVersion or kind") || strings.Contains(err.Error(), "no objects found") {
				continue // a fragment, not a manifest
			}
			t.Errorf("%s: %v\n%s", name, err, ex)
		}
		for _, d := range docs {
			if d.Object.Body == nil {
				continue
			}
			if len(d.Object.UnknownFields) > 0 {
				// Istio's own docs have such slips (prefix_rewrite in the
				// VirtualService redirect example): the API server prunes
				// them, and IGR002 must say so. TestPruningMatchesAPIServer
				// checks the verdict on them against the API server.
				if got := fmt.Sprint(d.Object.UnknownFields); !knownDocSlips[got] {
					t.Errorf("%s: unknown fields %s", name, got)
				}
				continue
			}
			if m, ok := d.Object.Body.(proto.Message); ok {
				objects++
				sameAsIstio(t, name, d, m)
			}
		}
	}
	if objects < 100 {
		t.Errorf("only %d Istio objects among the examples", objects)
	}
}

// sameAsIstio decodes the document with the client-go type registered for its
// kind and compares its Spec with what we decoded.
func sameAsIstio(t *testing.T, name string, d Document, ours proto.Message) {
	t.Helper()
	gvk := d.Object.GroupKind.WithVersion(d.Object.Version)
	obj, err := istioscheme.Scheme.New(gvk)
	if err != nil {
		t.Errorf("%s: %s is not in the client-go scheme: %v", name, gvk, err)
		return
	}
	if err := json.Unmarshal(d.Raw, obj); err != nil {
		t.Errorf("%s: Istio's decoder fails on what we accepted: %v", name, err)
		return
	}
	spec, ok := reflect.ValueOf(obj).Elem().FieldByName("Spec").Addr().Interface().(proto.Message)
	if !ok {
		t.Fatalf("%s: %T has no proto Spec", name, obj)
	}
	if !proto.Equal(spec, ours) {
		t.Errorf("%s: decoded spec differs from Istio's:\n ours:  %v\n istio: %v", name, ours, spec)
	}
}

// TestSpecDecodeMatchesIstio holds decodeSpec to Istio's decoder on the
// spellings where protojson and jsonpb differ or could: Go-style durations,
// enum names, int64 as strings, wrappers, Struct values.
func TestSpecDecodeMatchesIstio(t *testing.T) {
	tests := []struct{ desc, doc string }{
		{"Go-style durations", `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"r"},"spec":{"host":"a","trafficPolicy":{"connectionPool":{"tcp":{"connectTimeout":"30ms","idleTimeout":"1h30m"},"http":{"idleTimeout":"1m"}},"outlierDetection":{"interval":"5m","baseEjectionTime":"15m","consecutive5xxErrors":7}}}}`},
		{"canonical durations", `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"r"},"spec":{"host":"a","trafficPolicy":{"connectionPool":{"tcp":{"connectTimeout":"0.030s"}},"outlierDetection":{"interval":"1.5s"}}}}`},
		{"VirtualService timeouts", `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"v"},"spec":{"hosts":["a"],"http":[{"timeout":"1m","retries":{"attempts":3,"perTryTimeout":"500ms"},"route":[{"destination":{"host":"a"}}]}]}}`},
		{"int64 as a string", `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"r"},"spec":{"host":"a","trafficPolicy":{"loadBalancer":{"consistentHash":{"minimumRingSize":"1024"}}}}}`},
		{"Struct value", `{"apiVersion":"extensions.istio.io/v1alpha1","kind":"WasmPlugin","metadata":{"name":"w"},"spec":{"url":"oci://x","pluginConfig":{"a":{"b":[1,"c"]}}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			obj, err := FromJSON([]byte(tc.doc))
			if err != nil {
				t.Fatalf("FromJSON: %v", err)
			}
			sameAsIstio(t, tc.desc, Document{Object: obj, Raw: []byte(tc.doc)}, obj.Body.(proto.Message))
		})
	}
}

// TestEveryIstioSpecHasIstioDecoder: the fallback of decodeSpec exists for
// every Istio kind we decode.
func TestEveryIstioSpecHasIstioDecoder(t *testing.T) {
	for gvk, info := range kinds() {
		if info.spec == nil {
			continue
		}
		_, body, err := info.decode([]byte(`{"metadata":{"name":"x"}}`))
		if err != nil {
			t.Fatalf("%s: %v", gvk, err)
		}
		if _, ok := body.(json.Unmarshaler); !ok {
			t.Errorf("%s: spec %T has no UnmarshalJSON, so Go-style durations would be rejected", gvk, body)
		}
		if !bytes.Contains([]byte(gvk.Group), []byte("istio.io")) {
			t.Errorf("%s: spec descriptor on a non-Istio kind", gvk)
		}
	}
}
