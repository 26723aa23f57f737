package manifest

import (
	"testing"
)

func TestReadHead(t *testing.T) {
	tests := []struct {
		desc             string
		in               string
		apiVersion, kind string
		fast, wantErr    bool
	}{
		{desc: "API server layout", in: `{"apiVersion":"v1","kind":"Pod","metadata":{}}`, apiVersion: "v1", kind: "Pod", fast: true},
		{desc: "kind first, with blanks", in: " {\n \"kind\" : \"Gateway\" ,\t\"apiVersion\": \"networking.istio.io/v1\"}", apiVersion: "networking.istio.io/v1", kind: "Gateway", fast: true},
		{desc: "metadata first", in: `{"metadata":{"name":"x"},"apiVersion":"v1","kind":"Pod"}`, apiVersion: "v1", kind: "Pod"},
		{desc: "escaped value", in: `{"apiVersion":"v1","kind":"P\u006fd"}`, apiVersion: "v1", kind: "Pod"},
		{desc: "repeated key", in: `{"kind":"Pod","kind":"Pod","apiVersion":"v1"}`, apiVersion: "v1", kind: "Pod"},
		{desc: "non-string kind", in: `{"apiVersion":"v1","kind":7}`, wantErr: true},
		{desc: "empty kind", in: `{"apiVersion":"v1","kind":""}`, wantErr: true},
		{desc: "missing kind", in: `{"apiVersion":"v1"}`, wantErr: true},
		{desc: "not JSON", in: `apiVersion: v1`, wantErr: true},
		{desc: "empty", in: ``, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, _, fast := leadingHead([]byte(tc.in))
			if fast != tc.fast {
				t.Errorf("fast path = %v, want %v", fast, tc.fast)
			}
			apiVersion, kind, err := readHead([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if apiVersion != tc.apiVersion || kind != tc.kind {
				t.Errorf("got (%q, %q), want (%q, %q)", apiVersion, kind, tc.apiVersion, tc.kind)
			}
		})
	}
}

func TestFromJSONRejectsInvalidTailAfterHead(t *testing.T) {
	tests := []struct{ desc, in string }{
		{"known kind", `{"apiVersion":"v1","kind":"Pod","metadata":{`},
		{"unknown kind", `{"apiVersion":"v1","kind":"Service","metadata":{"name":`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if obj, err := FromJSON([]byte(tc.in)); err == nil {
				t.Fatalf("truncated document accepted: %+v", obj)
			}
		})
	}
}
