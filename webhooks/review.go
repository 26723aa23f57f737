package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

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
	inflight *inflightLimiter // nil: no in-flight cap
	// bodyStart bounds the wait for the first body byte (0: no bound).
	bodyStart time.Duration
	// webhook names the endpoint in metrics (validate, mutate; else other).
	webhook string
	metrics *Metrics // nil: rejections are only logged
	log     *zap.Logger
}

// NewReviewHandler returns the HTTP handler for h with a body cap of
// maxBytes (DefaultMaxRequestBytes if <= 0) and no in-flight cap (Server
// adds one shared by its endpoints). Panics in h are recovered by
// controller-runtime's admission.Webhook into a 500 response with the uid.
func NewReviewHandler(h admission.Handler, maxBytes int64, log *zap.Logger) http.Handler {
	return newReviewHandler(h, maxBytes, nil, log)
}

// newReviewHandler is NewReviewHandler with an in-flight limiter (nil: none).
func newReviewHandler(h admission.Handler, maxBytes int64, inflight *inflightLimiter, log *zap.Logger) *reviewHandler {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRequestBytes
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &reviewHandler{hook: &admission.Webhook{Handler: h, RecoverPanic: ptr.To(true)}, maxBytes: maxBytes, inflight: inflight, log: log}
}

// httpError is a rejection at the HTTP layer, before the review is handled.
type httpError struct {
	code       int
	uid        types.UID
	retryAfter string // Retry-After header of a 429, in seconds
	err        error
}

// ServeHTTP implements http.Handler. The request's bytes are reserved under
// the in-flight cap as they arrive and stay reserved until the response is
// written.
func (h *reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if herr := h.check(r); herr != nil {
		h.reject(w, herr)
		return
	}
	res := h.inflight.start(r)
	defer res.release()
	review, herr := h.read(w, r, res)
	if herr != nil {
		h.reject(w, herr)
		return
	}
	resp := h.hook.Handle(r.Context(), admission.Request{AdmissionRequest: *review.Request})
	resp.UID = review.Request.UID
	if herr := handlerFailure(&resp.AdmissionResponse); herr != nil {
		h.reject(w, herr)
		return
	}
	resp.Warnings = capWarnings(resp.Warnings)
	writeReview(w, http.StatusOK, &resp.AdmissionResponse)
}

// handlerFailure turns a refusal that is not a rule's denial (Errored: no
// configuration yet, a recovered panic, a failed mutator; or a request that
// cannot be evaluated) into an HTTP 5xx (4xx for the last), so that the API
// server applies the webhook's failurePolicy. Inside a 200 it would be a
// denial, which defeats failurePolicy: Ignore. A denial is only ever a
// rule's verdict: admission.Denied, code 403.
func handlerFailure(resp *admissionv1.AdmissionResponse) *httpError {
	if resp.Allowed || (resp.Result != nil && resp.Result.Code == http.StatusForbidden) {
		return nil
	}
	code, msg := http.StatusInternalServerError, "handler failed"
	if resp.Result != nil {
		if c := int(resp.Result.Code); c >= 400 && c <= 599 {
			code = c
		}
		if resp.Result.Message != "" {
			msg = resp.Result.Message
		}
	}
	herr := &httpError{code: code, uid: resp.UID, err: errors.New(truncate(msg, maxDenyMessage))}
	if code == http.StatusServiceUnavailable {
		herr.retryAfter = strconv.Itoa(retryAfterSeconds)
	}
	return herr
}

// reject logs, counts and answers an HTTP-layer rejection. Every refusal
// that is not a verdict passes here, so the count in
// istio_guardrail_requests_rejected_total is complete for requests that
// reached a review handler (a header timeout or a TLS failure never does).
func (h *reviewHandler) reject(w http.ResponseWriter, herr *httpError) {
	h.log.Warn("admission request rejected", zap.String("webhook", webhookLabel(h.webhook)), zap.Int("code", herr.code),
		zap.String("uid", logField(string(herr.uid))), zap.Error(herr.err))
	h.metrics.rejection(h.webhook, herr.code)
	writeError(w, herr)
}

// check refuses, before anything is read, a request with the wrong method
// or content type or a declared length over the body cap.
func (h *reviewHandler) check(r *http.Request) *httpError {
	if r.Method != http.MethodPost {
		return &httpError{code: http.StatusMethodNotAllowed, err: fmt.Errorf("method %s not allowed", r.Method)}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &httpError{code: http.StatusUnsupportedMediaType, err: fmt.Errorf("content type %q, want application/json", r.Header.Get("Content-Type"))}
	}
	if r.ContentLength > h.maxBytes {
		return &httpError{code: http.StatusRequestEntityTooLarge, err: fmt.Errorf("body of %d bytes exceeds the %d byte limit", r.ContentLength, h.maxBytes)}
	}
	return nil
}

// read reads the body within the cap, reserving it under res as it
// arrives, and decodes a v1 AdmissionReview. The API server sends the body
// with the headers, so two short deadlines apply: bodyStart for the first
// byte (a client that declares a body and sends nothing is cut off having
// reserved nothing), then the in-flight wait for the rest, so a client that
// trickles its body frees what it holds within seconds, not at ReadTimeout.
func (h *reviewHandler) read(w http.ResponseWriter, r *http.Request, res *reservation) (*admissionv1.AdmissionReview, *httpError) {
	rc := http.NewResponseController(w)
	var firstByte func()
	if h.bodyStart > 0 && r.ContentLength != 0 {
		_ = rc.SetReadDeadline(time.Now().Add(h.bodyStart))
		firstByte = func() { _ = rc.SetReadDeadline(time.Now().Add(h.bodyStart + 2*h.inflight.waitOr())) }
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.maxBytes), r.ContentLength, res, firstByte)
	if er := (errReserve{}); errors.As(err, &er) {
		return nil, er.herr
	}
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, &httpError{code: http.StatusRequestEntityTooLarge, err: fmt.Errorf("body exceeds the %d byte limit", h.maxBytes)}
		}
		// A body that did not start within bodyStart (or was not done
		// within the read deadline): 408, so slow clients are told apart
		// from malformed requests in the log and the rejection count.
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			return nil, &httpError{code: http.StatusRequestTimeout, err: fmt.Errorf("read body: %w", err)}
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
	review, ok := decodeReviewFast(body)
	if !ok {
		review = new(admissionv1.AdmissionReview)
		if err := json.Unmarshal(body, review); err != nil {
			return nil, &httpError{code: http.StatusBadRequest, err: fmt.Errorf("decode AdmissionReview: %w", err)}
		}
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
	return review, nil
}

// decodeReviewFast decodes a review as json.Unmarshal does, without
// decoding or copying request.object and request.oldObject: one pass
// validates the whole body and finds their spans, encoding/json decodes the
// rest (the body with both replaced by null, about a kilobyte), and the two
// RawExtensions are set to their spans in body. A copy, a validation and a
// skip of each object by encoding/json are saved (about a fifth of a
// request for a 16 KB pod); the object is scanned next by the typed decoder.
// ok is false for anything json.Unmarshal might read otherwise: invalid JSON
// (decodeReview then reports encoding/json's own error), keys with escapes
// or non-ASCII bytes at the two levels walked, keys that match request,
// object or oldObject only case-insensitively, duplicates of them, and a
// request that is not an object. The API server never sends such a review.
func decodeReviewFast(body []byte) (*admissionv1.AdmissionReview, bool) {
	s, ok := splitReview(body)
	if !ok {
		return nil, false
	}
	rest := body
	if s.object.set || s.oldObject.set {
		rest = make([]byte, 0, len(body)-s.object.len()-s.oldObject.len()+8)
		at := 0
		for _, sp := range s.ordered() {
			rest = append(append(rest, body[at:sp.start]...), "null"...)
			at = sp.end
		}
		rest = append(rest, body[at:]...)
	}
	review := new(admissionv1.AdmissionReview)
	if json.Unmarshal(rest, review) != nil || review.Request == nil {
		return nil, false
	}
	review.Request.Object.Raw = s.object.raw(body)
	review.Request.OldObject.Raw = s.oldObject.raw(body)
	return review, true
}

// span is the value of a member in a body; set when the member is present.
type span struct {
	start, end int
	set        bool
}

func (s span) len() int { return s.end - s.start }

// raw is what runtime.RawExtension.UnmarshalJSON keeps of the value: nil
// for absent or null, else the value's bytes (capacity capped, so an append
// can never write into body).
func (s span) raw(body []byte) []byte {
	if !s.set || string(body[s.start:s.end]) == "null" {
		return nil
	}
	return body[s.start:s.end:s.end]
}

// reviewSpans are the spans of request.object and request.oldObject.
type reviewSpans struct{ object, oldObject span }

// ordered returns the spans present, in body order.
func (s reviewSpans) ordered() []span {
	out := make([]span, 0, 2)
	for _, sp := range []span{s.object, s.oldObject} {
		if sp.set {
			out = append(out, sp)
		}
	}
	if len(out) == 2 && out[1].start < out[0].start {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// splitReview validates body as json.Valid does and returns the spans of
// request.object and request.oldObject; see decodeReviewFast for when ok is
// false.
func splitReview(body []byte) (reviewSpans, bool) {
	var s reviewSpans
	v := validator{b: body}
	seenRequest := false
	inRequest := func(key []byte, i int) (int, bool) {
		var sp *span
		switch {
		case string(key) == "object":
			sp = &s.object
		case string(key) == "oldObject":
			sp = &s.oldObject
		case !plainKey(key) || bytes.EqualFold(key, []byte("object")) || bytes.EqualFold(key, []byte("oldObject")):
			return 0, false
		default:
			return v.value(i)
		}
		end, ok := v.value(i)
		if !ok || sp.set {
			return 0, false
		}
		*sp = span{start: i, end: end, set: true}
		return end, true
	}
	top := func(key []byte, i int) (int, bool) {
		switch {
		case string(key) == "request":
			if seenRequest || i >= len(body) || body[i] != '{' {
				return 0, false
			}
			seenRequest = true
			return v.object(i, inRequest)
		case !plainKey(key) || bytes.EqualFold(key, []byte("request")):
			return 0, false
		}
		return v.value(i)
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return s, false
	}
	end, ok := v.object(i, top)
	return s, ok && seenRequest && skipSpace(body, end) == len(body)
}

// plainKey reports whether key is printable ASCII without escapes, so
// encoding/json can match it to a field only by its bytes or their ASCII
// case folding.
func plainKey(key []byte) bool {
	for _, c := range key {
		if c < ' ' || c > '~' || c == '\\' {
			return false
		}
	}
	return true
}

// writeError answers an HTTP-layer rejection: a v1 review denying the
// request when the uid is known, plain text otherwise.
func writeError(w http.ResponseWriter, e *httpError) {
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
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
