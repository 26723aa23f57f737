package webhooks

import (
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestValidatorDecisions(t *testing.T) {
	long := strings.Repeat("very long warning text ", 20)
	tests := []struct {
		desc        string
		req         admissionv1.AdmissionRequest
		policy      *Policy
		wantAllowed bool
		wantCode    int32
		wantMsg     []string // substrings of the status message
		wantWarns   int
	}{
		{desc: "clean pod is allowed", req: request(admissionv1.Create, podKind, "app", podJSON(nil, "")),
			wantAllowed: true, wantCode: http.StatusOK},
		{desc: "deny findings deny with every rule listed",
			req:         request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annDeny: "first bad|second bad"}, "")),
			wantAllowed: false, wantCode: http.StatusForbidden,
			wantMsg: []string{"Pod app/p", "IGR100 metadata.annotations: first bad", "IGR101 metadata.annotations: second bad", "(fix: remove"}},
		{desc: "warn findings allow with warnings",
			req:         request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annWarn: "careful|" + long}, "")),
			wantAllowed: true, wantCode: http.StatusOK, wantWarns: 2},
		{desc: "deny carries the warnings too",
			req:         request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annDeny: "bad", annWarn: "careful"}, "")),
			wantAllowed: false, wantCode: http.StatusForbidden, wantWarns: 1},
		{desc: "audit findings allow silently",
			req:         request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annAudit: "noted"}, "")),
			wantAllowed: true, wantCode: http.StatusOK},
		{desc: "update validates the new object",
			req:         request(admissionv1.Update, podKind, "app", podJSON(map[string]string{annDeny: "bad"}, "")),
			wantAllowed: false, wantCode: http.StatusForbidden},
		{desc: "delete is allowed without looking",
			req:         request(admissionv1.Delete, podKind, "app", nil),
			wantAllowed: true, wantCode: http.StatusOK},
		{desc: "connect is allowed",
			req:         request(admissionv1.Connect, podKind, "app", nil),
			wantAllowed: true, wantCode: http.StatusOK},
		{desc: "dry run gets the same verdict",
			req: func() admissionv1.AdmissionRequest {
				r := request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annDeny: "bad"}, ""))
				r.DryRun = ptr.To(true)
				return r
			}(),
			wantAllowed: false, wantCode: http.StatusForbidden, wantMsg: []string{"IGR100"}},
		{desc: "unknown kind is allowed",
			req: request(admissionv1.Create, metav1.GroupVersionKind{Group: "example.io", Version: "v1", Kind: "Widget"}, "app",
				[]byte(`{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"x":1}}`)),
			wantAllowed: true, wantCode: http.StatusOK},
		{desc: "object of the wrong kind is a bad request",
			req:         request(admissionv1.Create, metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, "app", podJSON(nil, "")),
			wantAllowed: false, wantCode: http.StatusBadRequest, wantMsg: []string{"request is for ConfigMap"}},
		{desc: "null object is a bad request",
			req:         request(admissionv1.Create, podKind, "app", []byte("null")),
			wantAllowed: false, wantCode: http.StatusBadRequest, wantMsg: []string{"no object"}},
		{desc: "undecodable object is a bad request",
			req:         request(admissionv1.Create, podKind, "app", []byte(`{"apiVersion":"v1","kind":"Pod","spec":{"containers":7}}`)),
			wantAllowed: false, wantCode: http.StatusBadRequest},
		{desc: "no configuration yet is HTTP 503, not a denial",
			req:    request(admissionv1.Create, podKind, "app", podJSON(nil, "")),
			policy: NewPolicy(nil, nil), wantAllowed: false, wantCode: http.StatusServiceUnavailable},
		{desc: "a panicking rule answers HTTP 500 with the uid",
			req:         request(admissionv1.Create, podKind, "app", podJSON(map[string]string{annPanic: ""}, "")),
			wantAllowed: false, wantCode: http.StatusInternalServerError, wantMsg: []string{"panic"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := fakeOptions()
			if tc.policy != nil {
				o.Policy = tc.policy
			}
			h := NewReviewHandler(NewValidator(o), 0, nil)
			w := serve(h, reviewBody(t, tc.req), "application/json")
			// Only a rule's verdict is answered 200; every failure is
			// answered with its own HTTP status so failurePolicy decides.
			wantHTTP := http.StatusOK
			if tc.wantCode != http.StatusOK && tc.wantCode != http.StatusForbidden {
				wantHTTP = int(tc.wantCode)
			}
			if w.Code != wantHTTP {
				t.Fatalf("HTTP %d, want %d: %s", w.Code, wantHTTP, w.Body)
			}
			resp := decodeResponse(t, w.Body.Bytes(), tc.req.UID, true)
			if resp.Allowed != tc.wantAllowed {
				t.Errorf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if resp.Result == nil || resp.Result.Code != tc.wantCode {
				t.Errorf("result = %+v, want code %d", resp.Result, tc.wantCode)
			}
			for _, m := range tc.wantMsg {
				if resp.Result == nil || !strings.Contains(resp.Result.Message, m) {
					t.Errorf("message %q does not contain %q", resp.Result.Message, m)
				}
			}
			if len(resp.Warnings) != tc.wantWarns {
				t.Errorf("warnings = %q, want %d", resp.Warnings, tc.wantWarns)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		n    int
		want string
	}{
		{desc: "short string unchanged", in: "abc", n: 10, want: "abc"},
		{desc: "exact length unchanged", in: "abcdef", n: 6, want: "abcdef"},
		{desc: "long string cut with ellipsis", in: "abcdefghij", n: 6, want: "abc..."},
		{desc: "multi-byte rune never split", in: "ééééé", n: 6, want: "é..."},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := truncate(tc.in, tc.n); got != tc.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
