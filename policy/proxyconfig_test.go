package policy

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func TestMergeProxyConfig(t *testing.T) {
	hold := FieldHoldApplication()
	tests := map[string]struct {
		text    string
		field   ProxyConfigField
		value   any
		want    string
		changed bool
		wantErr bool
	}{
		"empty annotation gets a YAML key": {
			text: "", field: hold, value: true, want: "holdApplicationUntilProxyStarts: true\n", changed: true,
		},
		"YAML keeps the user's keys and comments": {
			text:  "# tuned\nconcurrency: 2\nproxyMetadata:\n  FOO: bar\n",
			field: hold, value: true, changed: true,
			want: "# tuned\nconcurrency: 2\nproxyMetadata:\n  FOO: bar\nholdApplicationUntilProxyStarts: true\n",
		},
		"YAML without trailing newline": {
			text: "concurrency: 2", field: FieldTerminationDrain(), value: "20s", changed: true,
			want: "concurrency: 2\nterminationDrainDuration: 20s\n",
		},
		"compact JSON stays JSON": {
			text: `{"concurrency":2}`, field: hold, value: true, changed: true,
			want: `{"concurrency":2, "holdApplicationUntilProxyStarts": true}`,
		},
		"multi-line JSON gets a new line": {
			text: "{\n  \"concurrency\": 2\n}\n", field: FieldTerminationDrain(), value: "20s", changed: true,
			want: "{\n  \"concurrency\": 2,\n  \"terminationDrainDuration\": \"20s\"\n}\n",
		},
		"empty JSON object": {
			text: "{}", field: hold, value: true, changed: true, want: `{"holdApplicationUntilProxyStarts": true}`,
		},
		"user value is never overwritten": {
			text: "holdApplicationUntilProxyStarts: false\n", field: hold, value: true,
			want: "holdApplicationUntilProxyStarts: false\n",
		},
		"proto spelling counts as set": {
			text: "hold_application_until_proxy_starts: false\n", field: hold, value: true,
			want: "hold_application_until_proxy_starts: false\n",
		},
		"unparsable YAML is left alone": {
			text: "concurrency: [2\n", field: hold, value: true, want: "concurrency: [2\n", wantErr: true,
		},
		"wrong type for ProxyConfig is left alone": {
			text: "concurrency: lots\n", field: hold, value: true, want: "concurrency: lots\n", wantErr: true,
		},
		"a list is not a mapping": {
			text: "- a\n", field: hold, value: true, want: "- a\n", wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, changed, err := MergeProxyConfig(tc.text, tc.field, tc.value)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want || changed != tc.changed {
				t.Errorf("got (%q, %v), want (%q, %v)", got, changed, tc.want, tc.changed)
			}
			again, changedAgain, _ := MergeProxyConfig(got, tc.field, tc.value)
			if changedAgain || again != got {
				t.Errorf("second merge changed %q to %q", got, again)
			}
		})
	}
}

func TestProtoDuration(t *testing.T) {
	tests := map[string]struct {
		d    time.Duration
		want string
	}{
		"whole seconds":      {20 * time.Second, "20s"},
		"minutes in seconds": {90 * time.Second, "90s"},
		"fraction":           {1500 * time.Millisecond, "1.5s"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ProtoDuration(tc.d); got != tc.want {
				t.Errorf("ProtoDuration(%v) = %q, want %q", tc.d, got, tc.want)
			}
			if _, err := ParseProxyConfig("terminationDrainDuration: " + tc.want); err != nil {
				t.Errorf("Istio's ProxyConfig rejects %q: %v", tc.want, err)
			}
		})
	}
}

func TestProxyConfigKeysFastPaths(t *testing.T) {
	tests := map[string]struct {
		text   string
		simple bool // decoded without the YAML decoder
	}{
		"mutator output":                 {"terminationDrainDuration: 20s\nholdApplicationUntilProxyStarts: true\n", true},
		"comments and blank lines":       {"# tuned\n\nconcurrency: 2\n", true},
		"quoted string":                  {`discoveryAddress: "istiod.istio-system.svc:15012"` + "\n", true},
		"fractional duration":            {"terminationDrainDuration: 1.5s", true},
		"nested mapping":                 {"proxyMetadata:\n  FOO: bar\n", false},
		"YAML 1.1 boolean spelling":      {"holdApplicationUntilProxyStarts: yes\n", false},
		"YAML 1.1 boolean key":           {"on: 1\n", false},
		"octal-looking integer":          {"concurrency: 010\n", false},
		"trailing comment":               {"concurrency: 2 # two\n", false},
		"indented block":                 {"  concurrency: 2\n", false},
		"repeated key":                   {"concurrency: 2\nconcurrency: 3\n", false},
		"document marker":                {"---\nconcurrency: 2\n", false},
		"escape in a quoted string":      {`a: "x\ty"`, false},
		"carriage return line endings":   {"concurrency: 2\r\n", false},
		"flow mapping written in YAML":   {"{concurrency: 2}", false},
		"plain string is left to YAML":   {"image: foo\n", false},
		"empty value is left to YAML":    {"tracing:\n", false},
		"comments only are left to YAML": {"# nothing\n", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, simple := simpleBlockKeys(tc.text)
			if simple != tc.simple {
				t.Fatalf("simple path = %v, want %v", simple, tc.simple)
			}
			checkSimpleMatchesYAML(t, tc.text)
		})
	}
}

// checkSimpleMatchesYAML fails when the fast path accepts text but decodes
// it differently from the YAML decoder Istio uses.
func checkSimpleMatchesYAML(t *testing.T, text string) {
	t.Helper()
	fast, ok := simpleBlockKeys(text)
	if !ok {
		return
	}
	js, err := utilyaml.ToJSON([]byte(text))
	if err != nil {
		t.Fatalf("fast path accepted %q, YAML rejects it: %v", text, err)
	}
	var slow map[string]any
	if err := json.Unmarshal(js, &slow); err != nil {
		t.Fatalf("fast path accepted %q, YAML reads %s", text, js)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast path %v, YAML %v", text, fast, slow)
	}
}

func TestParseProxyConfigJSON(t *testing.T) {
	tests := map[string]struct {
		text    string
		want    map[string]any
		wantErr bool
	}{
		"JSON object":               {text: ` {"concurrency": 2}`, want: map[string]any{"concurrency": float64(2)}},
		"JSON with a bad field":     {text: `{"concurrency": "lots"}`, wantErr: true},
		"unknown fields are kept":   {text: `{"futureField": 1}`, want: map[string]any{"futureField": float64(1)}},
		"JSON-looking invalid text": {text: `{"concurrency": 2`, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseProxyConfig(tc.text)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
