package webhooks

import (
	"net/http"
	"strconv"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Everything in this file bounds a value a client chooses before it reaches
// a metric label, a log line or a response: an AdmissionReview is written by
// whoever can reach the port, and even through the API server its kind,
// name and user come from the request. Unbounded label values are a memory
// leak (one series each, never freed); unbounded warnings are a response
// the API server must buffer and then truncates anyway.

// labelOther replaces any label value outside its fixed set.
const labelOther = "other"

// MaxWarnings is the most warnings one admission response carries; the rest
// are summarised in one more warning, "... and K more".
const MaxWarnings = 20

// maxWarningBytes caps the warnings of one response in total. The API server
// keeps at most 4096 runes of warnings per request (and 256 per warning), so
// this stays well inside that, summary included.
const maxWarningBytes = 3072

// maxLogField caps a request-controlled string (kind, name, namespace, user,
// exemption reason) in the decision log. Kubernetes names are at most 253
// bytes; usernames have no limit.
const maxLogField = 256

// knownKinds maps each group/kind the engine's rules or mutators target to
// its metric label: the bare kind, as before the bound was introduced, or
// Kind.group for a kind that two groups share (Istio's Gateway and the
// Gateway API's), so that their series stay apart.
// Built once from the registry: it is constant for a binary.
var knownKinds = func() map[schema.GroupKind]string {
	groups := map[string]int{}
	m := map[schema.GroupKind]string{}
	add := func(ks []policy.Kind) {
		for _, k := range ks {
			if gk := k.GroupKind(); m[gk] == "" {
				m[gk] = gk.Kind
				groups[gk.Kind]++
			}
		}
	}
	for _, r := range policy.Catalogue() {
		add(r.Targets)
	}
	for _, mu := range policy.Mutators() {
		add(mu.Targets)
	}
	for gk := range m {
		if groups[gk.Kind] > 1 {
			m[gk] = gk.Kind + "." + gk.Group
		}
	}
	return m
}()

// kindLabel is the metric label of a request's kind: the kind if the engine
// knows its group and kind, else "other".
func kindLabel(gk schema.GroupKind) string {
	if l, ok := knownKinds[gk]; ok {
		return l
	}
	return labelOther
}

// operationLabel is the metric label of an admission operation.
func operationLabel(op admissionv1.Operation) string {
	switch op {
	case admissionv1.Create, admissionv1.Update, admissionv1.Delete, admissionv1.Connect:
		return string(op)
	}
	return labelOther
}

// Decisions, as logged and counted in istio_guardrail_requests_total{decision}.
const (
	decisionAllowed  = "allowed"
	decisionWarned   = "warned"
	decisionDenied   = "denied"
	decisionMutated  = "mutated"
	decisionError    = "error"
	decisionExempted = "exempted"
)

// decisionLabel is the metric label of a decision: one of the fixed set.
func decisionLabel(d string) string {
	switch d {
	case decisionAllowed, decisionWarned, decisionDenied, decisionMutated, decisionError, decisionExempted,
		decisionPreexisting, decisionTerminating:
		return d
	}
	return labelOther
}

// Webhooks, as counted in istio_guardrail_request_duration_seconds{webhook}
// and istio_guardrail_requests_rejected_total{webhook}.
const (
	webhookValidate = "validate"
	webhookMutate   = "mutate"
)

// webhookLabel is the metric label of a webhook: validate, mutate or "other"
// (a review handler built without a name, NewReviewHandler).
func webhookLabel(w string) string {
	if w == webhookValidate || w == webhookMutate {
		return w
	}
	return labelOther
}

// codeLabel is the metric label of an HTTP rejection's status: the codes
// the review handler answers with, else "other".
func codeLabel(code int) string {
	switch code {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusRequestTimeout,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusServiceUnavailable:
		return strconv.Itoa(code)
	}
	return labelOther
}

// ruleLabel is the metric label of a rule ID: IDs of the registry only.
func ruleLabel(id string) string {
	if knownRules[id] {
		return id
	}
	return labelOther
}

var knownRules = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range policy.Catalogue() {
		m[r.ID] = true
	}
	return m
}()

// logField bounds a request-controlled string for the decision log.
func logField(s string) string { return truncate(s, maxLogField) }

// capWarnings keeps the first MaxWarnings warnings within maxWarningBytes
// (each already within MaxWarningLength, or truncated to it) and replaces
// the rest with one "... and K more" warning.
func capWarnings(ws []string) []string {
	if len(ws) == 0 {
		return ws
	}
	const summaryRoom = 64 // "istio-guardrail: ... and 1234567 more warnings (see the logs)"
	out := make([]string, 0, min(len(ws), MaxWarnings+1))
	total := 0
	for i, w := range ws {
		w = truncate(w, MaxWarningLength)
		if i >= MaxWarnings || total+len(w) > maxWarningBytes-summaryRoom {
			rest := len(ws) - i
			return append(out, "istio-guardrail: ... and "+strconv.Itoa(rest)+" more "+plural(rest, "warning"))
		}
		total += len(w)
		out = append(out, w)
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
