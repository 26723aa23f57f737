package webhooks

import (
	"encoding/json"
	"net/http"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// FuzzValidateHandler feeds arbitrary bodies to the AdmissionReview HTTP
// handlers (validating and mutating) over the real engine and decoder. Every
// answer must be a 4xx or a well-formed v1 review for the request's uid;
// the engine must never panic (a recovered panic would answer code 500).
// Seeds live in testdata/fuzz/FuzzValidateHandler.
func FuzzValidateHandler(f *testing.F) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		f.Fatalf("NewEngine: %v", err)
	}
	o := Options{Policy: fakePolicy(eng), Decode: manifest.FromJSON}
	handlers := map[string]http.Handler{
		"validate": NewReviewHandler(NewValidator(o), 1<<20, nil),
		"mutate":   NewReviewHandler(NewMutator(o), 1<<20, nil),
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","operation":"CREATE"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		uid := requestUID(body)
		for name, h := range handlers {
			w := serve(h, body, "application/json")
			switch {
			case w.Code == http.StatusOK:
				resp := decodeResponse(t, w.Body.Bytes(), uid, name == "validate")
				if resp.Result != nil && resp.Result.Code >= 500 {
					t.Fatalf("%s: server error %d: %s", name, resp.Result.Code, resp.Result.Message)
				}
				if name == "mutate" && !resp.Allowed {
					t.Fatalf("mutating webhook denied: %+v", resp.Result)
				}
			case w.Code >= 400 && w.Code < 500:
			default:
				t.Fatalf("%s: HTTP %d for %q", name, w.Code, body)
			}
		}
	})
}

// requestUID extracts request.uid leniently, as the handler would see it.
func requestUID(body []byte) types.UID {
	var r admissionv1.AdmissionReview
	if json.Unmarshal(body, &r) != nil || r.Request == nil {
		return ""
	}
	return r.Request.UID
}
