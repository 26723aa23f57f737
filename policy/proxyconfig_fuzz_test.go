package policy

import (
	"encoding/json"
	"reflect"
	"testing"

	meshconfig "istio.io/api/mesh/v1alpha1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// FuzzMergeProxyConfig checks MergeProxyConfig's contract on any text: an
// error leaves the text unchanged; a change keeps every user key, adds the
// field, stays a valid ProxyConfig, keeps JSON as JSON, and is idempotent.
func FuzzMergeProxyConfig(f *testing.F) {
	for _, seed := range []string{
		"", "{}", `{"concurrency":2}`, "concurrency: 2\n", "# c\n---\nconcurrency: 2", "  concurrency: 2\n  x: 1",
		"{\n  \"proxyMetadata\": {\"A\": \"b\"}\n}", "holdApplicationUntilProxyStarts: false", "[1]", "a: [",
		"tracing:\n  sampling: 1.0\n", "{concurrency: 2}", "concurrency: 2\n...\n", "null", "'x'",
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, text string, hold bool) {
		field, value := FieldHoldApplication(), any(true)
		if !hold {
			field, value = FieldTerminationDrain(), "20s"
		}
		out, changed, err := MergeProxyConfig(text, field, value)
		if err != nil || !changed {
			if out != text {
				t.Fatalf("unchanged merge altered the text: %q -> %q", text, out)
			}
			return
		}
		orig, err := ParseProxyConfig(text)
		if err != nil {
			t.Fatalf("changed a config that does not parse: %q", text)
		}
		merged, err := ParseProxyConfig(out)
		if err != nil {
			t.Fatalf("result %q does not parse: %v", out, err)
		}
		checkIstioParses(t, out)
		for k, v := range orig {
			if !reflect.DeepEqual(merged[k], v) {
				t.Fatalf("key %q changed: %v -> %v", k, v, merged[k])
			}
		}
		if got, _ := field.lookup(merged); !reflect.DeepEqual(got, value) {
			t.Fatalf("field %s = %v, want %v", field.JSON, got, value)
		}
		if json.Valid([]byte(text)) && !json.Valid([]byte(out)) {
			t.Fatalf("JSON %q became non-JSON %q", text, out)
		}
		if again, ch, _ := MergeProxyConfig(out, field, value); ch || again != out {
			t.Fatalf("not idempotent: %q -> %q", out, again)
		}
	})
}

// checkIstioParses fails unless Istio's own loader accepts text: YAML to
// JSON, then the istio.io/api ProxyConfig JSON shim (jsonpb).
func checkIstioParses(t *testing.T, text string) {
	t.Helper()
	js, err := utilyaml.ToJSON([]byte(text))
	if err != nil {
		t.Fatalf("result %q is not YAML for Istio: %v", text, err)
	}
	if err := (&meshconfig.ProxyConfig{}).UnmarshalJSON(js); err != nil {
		t.Fatalf("Istio's ProxyConfig parser rejects %q: %v", text, err)
	}
}

// FuzzSimpleProxyConfig checks that the fast path for "key: scalar" configs
// decodes exactly as the YAML decoder whenever it accepts a text.
func FuzzSimpleProxyConfig(f *testing.F) {
	for _, seed := range []string{
		"terminationDrainDuration: 20s\n", "concurrency: 2\nholdApplicationUntilProxyStarts: true", "# c\na: \"x\"\n",
		"a: 1.5s", "a: 0", "a: 123456789012345", "on: 1", "a: yes", "a:  false  \n\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkSimpleMatchesYAML(t, text)
	})
}
