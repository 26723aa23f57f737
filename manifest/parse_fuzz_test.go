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
