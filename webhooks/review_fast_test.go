package webhooks

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// validatorSeeds are JSON texts at the edges of the grammar, valid and not.
var validatorSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+3`, `1E-2`, `true`, `false`, `null`, ` {"a" : [1, 2 ,{"b":null}] } `,
	`"\u00e9\n\t\"\\\/\b\f\r"`, "\"\xff\xfe invalid UTF-8 is accepted\"", `{"a":1,}`, `[1,]`, `01`, `-`, `1.`, `.5`, `1e`,
	`1e+`, `+1`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01b\"", `{"a" 1}`, `{1:2}`, `[1 2]`, `nul`, `truex`, `"abc`,
	`{"a":1}}`, ``, ` `, `[`, `{"a":`, "\ufeff{}", `{"a":1} x`, `[true,false,null]`, `1 2`,
}

func TestValidatorMatchesEncodingJSON(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	cases := append([]string{deep(maxNestingDepth), deep(maxNestingDepth + 1), deepObj(maxNestingDepth), deepObj(maxNestingDepth + 1)}, validatorSeeds...)
	for _, c := range cases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid = %v", c, got, want)
		}
	}
	// Both directions are exercised: the seeds hold valid and invalid texts.
	if !validJSON([]byte(deep(maxNestingDepth))) || validJSON([]byte(deep(maxNestingDepth+1))) {
		t.Error("nesting limit differs from encoding/json's")
	}
}

// FuzzValidator holds validJSON to json.Valid on any input.
func FuzzValidator(f *testing.F) {
	for _, s := range validatorSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

// reviewSeeds are AdmissionReview bodies: as the API server writes them, and
// in every layout the fast path must leave to encoding/json.
var reviewSeeds = []string{
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},"oldObject":null,"dryRun":false,"options":{"kind":"CreateOptions"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"UPDATE","oldObject":{"kind":"Pod","metadata":{"name":"old"}},"object":{"kind":"Pod","metadata":{"name":"new"}}}}`,
	` { "request" : { "uid" : "w" , "object" : [ 1 , 2 ] } , "kind" : "AdmissionReview" , "apiVersion" : "admission.k8s.io/v1" } `,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"d","operation":"DELETE","object":null,"oldObject":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"e"}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"o","object":"a string"}}`,
	// Left to encoding/json: case-folded and escaped keys, duplicates, no request.
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c","Object":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c","object":{"kind":"A"},"OBJECT":{"kind":"B"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c","obj\u0065ct":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c","object":{"kind":"A"},"object":{"kind":"B"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","Request":{"uid":"c","object":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c"},"request":{"object":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","requeſt":{"uid":"c","object":{"kind":"Pod"}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5,"object":{}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":{"kind":"Pod",}}}`,
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`,
	`[1,2,3]`,
}

// checkFastReview fails unless decodeReviewFast either declines body or
// decodes it exactly as json.Unmarshal does, and never accepts a body
// json.Unmarshal refuses.
func checkFastReview(t *testing.T, body []byte) (fast bool) {
	t.Helper()
	got, ok := decodeReviewFast(body)
	var want admissionv1.AdmissionReview
	err := json.Unmarshal(body, &want)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted %q, json.Unmarshal: %v", body, err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("fast path decoded %q as\n%+v\nwant\n%+v", body, got.Request, want.Request)
	}
	return true
}

func TestDecodeReviewFastMatchesUnmarshal(t *testing.T) {
	wantFast := map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true}
	for i, s := range reviewSeeds {
		if got := checkFastReview(t, []byte(s)); got != wantFast[i] {
			t.Errorf("seed %d: fast path taken = %v, want %v: %s", i, got, wantFast[i], s)
		}
	}
	// The spans alias the body and cannot be appended into it.
	body := []byte(reviewSeeds[1])
	r, _ := decodeReviewFast(body)
	if raw := r.Request.Object.Raw; string(raw) != `{"kind":"Pod","metadata":{"name":"new"}}` || cap(raw) != len(raw) {
		t.Errorf("object span %q (cap %d)", raw, cap(raw))
	}
	if raw := r.Request.OldObject.Raw; string(raw) != `{"kind":"Pod","metadata":{"name":"old"}}` {
		t.Errorf("oldObject span %q", raw)
	}
}

// FuzzDecodeReview holds the fast review decoding to json.Unmarshal.
func FuzzDecodeReview(f *testing.F) {
	for _, s := range reviewSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastReview(t, body) })
}

// TestContainerIndexMatchesScan holds every indexed container end to the
// linear scan, in valid and invalid text.
func TestContainerIndexMatchesScan(t *testing.T) {
	docs := append([]string{` {"a":[1,{"b":"]}"},[[],{}]],"c":{"d":{"e":null}}} `}, reviewSeeds[:6]...)
	for _, doc := range docs {
		b := trimSpace([]byte(doc))
		x := indexContainers(b)
		n := 0
		for i, c := range b {
			if c != '{' && c != '[' {
				continue
			}
			want, err := containerEnd(b, i)
			if got, ok := x.end(b, i); err == nil && ok {
				n++
				if got != want {
					t.Errorf("%s: container at %d ends at %d, scan says %d", doc, i, got, want)
				}
			}
		}
		if n != len(x.opens) {
			t.Errorf("%s: %d containers checked, %d indexed", doc, n, len(x.opens))
		}
		// A slice of the document is looked up relative to itself; another
		// buffer with the same bytes is not looked up at all.
		if sub := b[1:]; len(x.opens) > 1 {
			at := int(x.opens[1]) - 1
			if end, ok := x.end(sub, at); !ok || end != int(x.ends[1])-1 {
				t.Errorf("%s: lookup in a sub-slice gave %d, %v", doc, end, ok)
			}
		}
		if _, ok := x.end(append([]byte(nil), b...), 0); ok {
			t.Errorf("%s: a copy of the document was looked up in its index", doc)
		}
	}
	// In invalid text, what is recorded still agrees with the scan.
	for _, bad := range []string{`{"a":[1,}`, `{"a":{`, `{"a":1}}`, `{"a":tru"e,"b":[1],"c":{"d":"x"}}`, `[{"a":"\\"}]`, `{"a":[1]]}`} {
		checkIndex(t, []byte(bad))
	}
}

// checkIndex fails unless every end recorded in b's index is containerEnd's.
func checkIndex(t *testing.T, b []byte) {
	t.Helper()
	x := indexContainers(b)
	for i, c := range b {
		if c != '{' && c != '[' {
			continue
		}
		want, err := containerEnd(b, i)
		if got, ok := x.end(b, i); ok && (err != nil || got != want) {
			t.Fatalf("%q: container at %d recorded to end at %d, scan says %d, %v", b, i, got, want, err)
		}
	}
}

// FuzzContainerIndex holds the index to containerEnd on any input.
func FuzzContainerIndex(f *testing.F) {
	for _, s := range append(validatorSeeds, reviewSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(checkIndex)
}
