package manifest

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, every error
// must be an *Error naming the file, and every document must carry valid
// JSON, a FieldLine that answers any path, and decode the same way through
// FromJSON (the webhook's path).
func FuzzParse(f *testing.F) {
	for _, s := range []string{peerAuth, "a: [", "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod}]\n", "{}", "---\n---\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := Parse("fuzz.yaml", data, Options{})
		for _, err := range errs {
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "fuzz.yaml" {
				t.Fatalf("error without position: %v", err)
			}
		}
		for _, d := range docs {
			if !json.Valid(d.Raw) {
				t.Fatalf("invalid JSON %q", d.Raw)
			}
			if d.FieldLine("spec.a[0].b[x]") < 1 || d.Object == nil || d.Object.Meta == nil {
				t.Fatalf("incomplete document %+v", d)
			}
			obj, err := FromJSON(d.Raw)
			if err != nil {
				t.Fatalf("FromJSON failed on a document Parse accepted: %v", err)
			}
			if (obj.Body == nil) != (d.Object.Body == nil) || obj.GroupKind != d.Object.GroupKind {
				t.Fatalf("FromJSON and Parse disagree: %+v vs %+v", obj, d.Object)
			}
		}
	})
}

// FuzzFromJSON feeds arbitrary bytes to the webhook's decoder: an error or
// an object with metadata, never a panic.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"p"},"spec":{"mtls":{"mode":"STRICT"}}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":"x"}}`,
		`{"apiVersion":"v1","kind":"Service"}`, `{}`, `[`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := FromJSON(data)
		if err == nil && (obj == nil || obj.Meta == nil || obj.GroupKind.Kind == "") {
			t.Fatalf("incomplete object %+v", obj)
		}
	})
}
