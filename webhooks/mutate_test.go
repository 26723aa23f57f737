package webhooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMutatorResponses(t *testing.T) {
	tests := []struct {
		desc      string
		req       admissionv1.AdmissionRequest
		wantPatch bool
		wantWarn  string
		wantHTTP  int // 0: 200
	}{
		{desc: "mutation returns a patch that keeps unknown fields",
			req:       request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: ""}, `,"futureField":{"a":1}`)),
			wantPatch: true, wantWarn: "IGR901"},
		{desc: "nothing to mutate returns no patch",
			req: request(admissionv1.Create, podKind, "app", podJSON(nil, ""))},
		{desc: "already mutated object returns no patch (idempotent)",
			req: request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: "", annMutated: "yes"}, ""))},
		{desc: "delete is allowed untouched",
			req: request(admissionv1.Delete, podKind, "app", nil)},
		{desc: "mutator error is HTTP 500: failurePolicy decides",
			req:      request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: "", annMutateError: ""}, "")),
			wantHTTP: http.StatusInternalServerError},
		{desc: "mutator panic is HTTP 500",
			req:      request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: "", annMutatePanic: ""}, "")),
			wantHTTP: http.StatusInternalServerError},
		{desc: "a panic in the audit validation of the result is HTTP 500",
			req:      request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: "", annPanic: ""}, "")),
			wantHTTP: http.StatusInternalServerError},
		{desc: "undecodable object is HTTP 400",
			req:      request(admissionv1.Create, podKind, "app", []byte(`{"apiVersion":"v1","kind":"Pod","spec":7}`)),
			wantHTTP: http.StatusBadRequest},
		{desc: "no configuration yet is HTTP 503",
			req:      request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annMutate: ""}, "")),
			wantHTTP: http.StatusServiceUnavailable},
		{desc: "unknown kind is allowed untouched",
			req: request(admissionv1.Create, metav1.GroupVersionKind{Group: "example.io", Version: "v1", Kind: "Widget"}, "app",
				[]byte(`{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w"}}`))},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := fakeOptions()
			if tc.wantHTTP == http.StatusServiceUnavailable {
				o.Policy = NewPolicy(nil, nil)
			}
			h := NewReviewHandler(NewMutator(o), 0, nil)
			w := serve(h, reviewBody(t, tc.req), "application/json")
			if tc.wantHTTP != 0 {
				if w.Code != tc.wantHTTP || !strings.Contains(w.Body.String(), "did not mutate") {
					t.Fatalf("HTTP %d %s, want %d saying it did not mutate", w.Code, w.Body, tc.wantHTTP)
				}
				return
			}
			if w.Code != http.StatusOK {
				t.Fatalf("HTTP %d, want 200: %s", w.Code, w.Body)
			}
			resp := decodeResponse(t, w.Body.Bytes(), tc.req.UID, false)
			if !resp.Allowed {
				t.Fatalf("mutating webhook denied: %+v", resp.Result)
			}
			if (len(resp.Patch) > 0) != tc.wantPatch {
				t.Fatalf("patch = %s, want patch %v", resp.Patch, tc.wantPatch)
			}
			if tc.wantWarn != "" && !strings.Contains(strings.Join(resp.Warnings, "\n"), tc.wantWarn) {
				t.Errorf("warnings %q do not mention %q", resp.Warnings, tc.wantWarn)
			}
			if tc.wantPatch {
				checkPatchedPod(t, tc.req.Object.Raw, resp.Patch)
			}
		})
	}
}

// checkPatchedPod applies the patch to the request object and checks the
// mutation landed and the unknown field survived.
func checkPatchedPod(t *testing.T, raw, patch []byte) {
	t.Helper()
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatalf("patch does not decode: %v", err)
	}
	out, err := p.Apply(raw)
	if err != nil {
		t.Fatalf("patch does not apply to the request object: %v", err)
	}
	var pod struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Containers []map[string]any `json:"containers"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(out, &pod); err != nil {
		t.Fatal(err)
	}
	if pod.Metadata.Annotations[annMutated] != "yes" {
		t.Errorf("mutation missing from patched object: %s", out)
	}
	c := pod.Spec.Containers[0]
	if _, ok := c["futureField"]; !ok {
		t.Errorf("unknown field futureField removed by the patch: %s", out)
	}
	if lim, _ := c["resources"].(map[string]any)["limits"].(map[string]any); lim["cpu"] != "100m" {
		t.Errorf("cpu limit not set: %s", out)
	}
}
