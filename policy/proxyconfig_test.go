package policy

import (
	"testing"
	"time"
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
