package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestReviewHandlerBadInput(t *testing.T) {
	valid := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(nil, "")))
	tests := []struct {
		desc        string
		method      string
		body        []byte
		contentType string
		maxBytes    int64
		wantCode    int
		wantUID     types.UID // uid expected in a review body; "" = plain 4xx
	}{
		{desc: "empty body", body: nil, wantCode: http.StatusBadRequest},
		{desc: "wrong content type", body: valid, contentType: "text/yaml", wantCode: http.StatusUnsupportedMediaType},
		{desc: "content type with charset is fine", body: valid, contentType: "application/json; charset=utf-8", wantCode: http.StatusOK, wantUID: "uid-CREATE"},
		{desc: "GET is refused", method: http.MethodGet, body: valid, wantCode: http.StatusMethodNotAllowed},
		{desc: "body over the cap", body: valid, maxBytes: 64, wantCode: http.StatusRequestEntityTooLarge},
		{desc: "invalid JSON", body: []byte(`{"apiVersion":`), wantCode: http.StatusBadRequest},
		{desc: "JSON that is not an object", body: []byte(`[1,2,3]`), wantCode: http.StatusBadRequest},
		{desc: "v1beta1 review is refused with the uid echoed",
			body:     []byte(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"b1"}}`),
			wantCode: http.StatusBadRequest, wantUID: "b1"},
		{desc: "review without request", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantCode: http.StatusBadRequest},
		{desc: "missing uid",
			body:     []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}`),
			wantCode: http.StatusBadRequest},
		{desc: "null object is HTTP 400 with the uid, not a denial",
			body:     []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"n1","kind":{"version":"v1","kind":"Pod"},"operation":"CREATE","object":null}}`),
			wantCode: http.StatusBadRequest, wantUID: "n1"},
		{desc: "a 3 MiB object over a 3 MiB cap",
			body:     reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(map[string]string{"big": strings.Repeat("x", 3<<20)}, ""))),
			wantCode: http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := NewReviewHandler(NewValidator(fakeOptions()), tc.maxBytes, nil)
			method, ct := tc.method, tc.contentType
			if method == "" {
				method = http.MethodPost
			}
			if ct == "" {
				ct = "application/json"
			}
			r := httptest.NewRequest(method, "/validate", bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", ct)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantCode {
				t.Fatalf("HTTP %d, want %d: %s", w.Code, tc.wantCode, w.Body)
			}
			if tc.wantUID != "" {
				resp := decodeResponse(t, w.Body.Bytes(), tc.wantUID, true)
				if tc.wantCode != http.StatusOK && resp.Allowed {
					t.Error("rejected review answered allowed")
				}
			}
		})
	}
}

func TestReviewHandlerLargeObjectUnderCap(t *testing.T) {
	// An object just under the API server's 3 MiB limit, with a larger cap
	// for the review around it, is evaluated normally.
	raw := podJSON(map[string]string{annWarn: "big", "filler": strings.Repeat("x", 3<<20-4096)}, "")
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", raw))
	h := NewReviewHandler(NewValidator(fakeOptions()), int64(len(body)+1), nil)
	w := serve(h, body, "application/json")
	if w.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %.200s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w.Body.Bytes(), "uid-CREATE", true)
	if !resp.Allowed || len(resp.Warnings) != 1 {
		t.Errorf("allowed=%v warnings=%q, want allowed with 1 warning", resp.Allowed, resp.Warnings)
	}
}

func TestReviewHandlerConcurrentOversized(t *testing.T) {
	h := NewReviewHandler(NewValidator(fakeOptions()), DefaultMaxRequestBytes, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := bytes.Repeat([]byte("a"), DefaultMaxRequestBytes+1024)
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range codes {
		wg.Go(func() {
			// Chunked (no Content-Length) so the cap is enforced while reading.
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, struct{ *bytes.Reader }{bytes.NewReader(body)})
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				codes[i] = -1
				return
			}
			codes[i] = resp.StatusCode
			_ = resp.Body.Close()
		})
	}
	wg.Wait()
	got413 := 0
	for i, c := range codes {
		switch c {
		case http.StatusRequestEntityTooLarge:
			got413++
		case -1: // the server closed the connection after answering 413 mid-upload
		default:
			t.Errorf("request %d: HTTP %d, want 413", i, c)
		}
	}
	t.Logf("%d of %d oversized requests read a 413 before the connection closed", got413, len(codes))
	if got413 == 0 {
		t.Error("no oversized request got a 413")
	}
}
