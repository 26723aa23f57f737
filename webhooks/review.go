package webhooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"go.uber.org/zap"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// DefaultMaxRequestBytes is the default request body cap: 3 MiB, the API
// server's own limit on an object.
const DefaultMaxRequestBytes = 3 << 20

// reviewHandler serves AdmissionReview v1 over HTTP for one admission.Handler.
// Bad input gets a 4xx; an AdmissionReview with a uid always gets a
// well-formed v1 response echoing it.
type reviewHandler struct {
	hook     *admission.Webhook
	maxBytes int64
	log      *zap.Logger
}

// NewReviewHandler returns the HTTP handler for h with a body cap of
// maxBytes (DefaultMaxRequestBytes if <= 0). Panics in h are recovered by
// controller-runtime's admission.Webhook into a 500 response with the uid.
func NewReviewHandler(h admission.Handler, maxBytes int64, log *zap.Logger) http.Handler {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRequestBytes
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &reviewHandler{hook: &admission.Webhook{Handler: h, RecoverPanic: ptr.To(true)}, maxBytes: maxBytes, log: log}
}

// httpError is a rejection at the HTTP layer, before the review is handled.
type httpError struct {
	code int
	uid  types.UID
	err  error
}

// ServeHTTP implements http.Handler.
func (h *reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	review, herr := h.read(w, r)
	if herr != nil {
		h.log.Warn("bad admission request", zap.Int("code", herr.code), zap.String("uid", string(herr.uid)), zap.Error(herr.err))
		writeError(w, herr)
		return
	}
	resp := h.hook.Handle(r.Context(), admission.Request{AdmissionRequest: *review.Request})
	resp.UID = review.Request.UID
	writeReview(w, http.StatusOK, &resp.AdmissionResponse)
}

// read checks method, content type and size, and decodes a v1 AdmissionReview.
func (h *reviewHandler) read(w http.ResponseWriter, r *http.Request) (*admissionv1.AdmissionReview, *httpError) {
	if r.Method != http.MethodPost {
		return nil, &httpError{code: http.StatusMethodNotAllowed, err: fmt.Errorf("method %s not allowed", r.Method)}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, &httpError{code: http.StatusUnsupportedMediaType, err: fmt.Errorf("content type %q, want application/json", r.Header.Get("Content-Type"))}
	}
	if r.ContentLength > h.maxBytes {
		return nil, &httpError{code: http.StatusRequestEntityTooLarge, err: fmt.Errorf("body of %d bytes exceeds the %d byte limit", r.ContentLength, h.maxBytes)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBytes))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, &httpError{code: http.StatusRequestEntityTooLarge, err: fmt.Errorf("body exceeds the %d byte limit", h.maxBytes)}
		}
		return nil, &httpError{code: http.StatusBadRequest, err: fmt.Errorf("read body: %w", err)}
	}
	return decodeReview(body)
}

// decodeReview decodes and checks an AdmissionReview v1 with a request and uid.
func decodeReview(body []byte) (*admissionv1.AdmissionReview, *httpError) {
	if len(body) == 0 {
		return nil, &httpError{code: http.StatusBadRequest, err: errors.New("empty body")}
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		return nil, &httpError{code: http.StatusBadRequest, err: fmt.Errorf("decode AdmissionReview: %w", err)}
	}
	var uid types.UID
	if review.Request != nil {
		uid = review.Request.UID
	}
	gvk := review.GroupVersionKind()
	switch {
	case gvk != admissionv1.SchemeGroupVersion.WithKind("AdmissionReview"):
		return nil, &httpError{code: http.StatusBadRequest, uid: uid, err: fmt.Errorf("got %s %s, want admission.k8s.io/v1 AdmissionReview", review.APIVersion, review.Kind)}
	case review.Request == nil:
		return nil, &httpError{code: http.StatusBadRequest, err: errors.New("AdmissionReview has no request")}
	case uid == "":
		return nil, &httpError{code: http.StatusBadRequest, err: errors.New("AdmissionReview request has no uid")}
	}
	return &review, nil
}

// writeError answers an HTTP-layer rejection: a v1 review denying the
// request when the uid is known, plain text otherwise.
func writeError(w http.ResponseWriter, e *httpError) {
	if e.uid == "" {
		http.Error(w, e.err.Error(), e.code)
		return
	}
	writeReview(w, e.code, &admissionv1.AdmissionResponse{
		UID:     e.uid,
		Allowed: false,
		Result:  &metav1.Status{Status: metav1.StatusFailure, Code: int32(e.code), Message: e.err.Error()},
	})
}

// writeReview writes resp inside an admission.k8s.io/v1 AdmissionReview.
func writeReview(w http.ResponseWriter, code int, resp *admissionv1.AdmissionResponse) {
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: resp,
	}
	body, err := json.Marshal(review)
	if err != nil {
		http.Error(w, "encode AdmissionReview: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
