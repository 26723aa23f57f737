package webhooks

import (
	"bytes"
	"encoding/json"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Decisions of the validating webhook beyond allowed, warned and denied, as
// logged and counted in istio_guardrail_requests_total{decision}.
const (
	// decisionPreexisting: an UPDATE allowed although the new object has deny
	// findings, because the old object had every one of them (ratcheting).
	decisionPreexisting = "allowed-preexisting"
	// decisionTerminating: an UPDATE of an object being deleted that changes
	// only its metadata (a finalizer removal), allowed without evaluation.
	decisionTerminating = "allowed-terminating"
)

// preexistingPrefix starts the warning of a deny finding the old object
// already had: `pre-existing: IGR203 trafficPolicy.connectionPool: ...`.
const preexistingPrefix = "pre-existing: "

// terminatingWarning explains an UPDATE allowed without evaluation.
const terminatingWarning = "istio-guardrail: not validated: the object is being deleted and only its metadata changed"

// findingKey identifies a finding across the old and the new object.
type findingKey struct{ rule, field, message string }

func keyOf(f policy.Finding) findingKey {
	return findingKey{rule: f.Rule, field: f.Field, message: f.Message}
}

// ratchet splits the deny findings of an UPDATE into the fresh ones, which
// the old object did not have and which still deny, and the pre-existing
// ones, which become warnings: an object that was admitted before a rule
// was tightened (or before the guardrail was installed) stays updatable
// (labels, annotations, finalizers) as long as the update adds no violation.
//
// Ratcheting applies only when everything beyond metadata and status is
// unchanged. Findings are matched by rule, field path and message, which
// neither carry every value nor survive a list element moving; were a spec
// change ratcheted, an update could widen a pre-existing violation (drop an
// AuthorizationPolicy's selector, say) or shift list indices and be
// allowed. So an update that touches the spec gets the full verdict. The old
// object is evaluated with the same engine and context; if it cannot be
// decoded, every finding is fresh.
func (v *Validator) ratchet(eng Evaluator, pctx *policy.Context, req admission.Request, deny []policy.Finding) (fresh, pre []policy.Finding) {
	if !sameBeyondMetadata(req.OldObject.Raw, req.Object.Raw) {
		return deny, nil
	}
	oldReq := req
	oldReq.Object = req.OldObject
	old, err := v.o.decode(oldReq)
	if err != nil {
		return deny, nil
	}
	had := make(map[findingKey]bool)
	for _, f := range eng.Validate(pctx, old).Findings {
		if f.Action == policy.ActionDeny {
			had[keyOf(f)] = true
		}
	}
	for _, f := range deny {
		if had[keyOf(f)] {
			pre = append(pre, f)
		} else {
			fresh = append(fresh, f)
		}
	}
	return fresh, pre
}

// preexistingWarnings renders pre-existing deny findings as warnings, each
// within MaxWarningLength.
func preexistingWarnings(pre []policy.Finding) []string {
	out := make([]string, 0, len(pre))
	for _, f := range pre {
		out = append(out, findingWarning(preexistingPrefix, f))
	}
	return out
}

// terminatingMetadataOnly reports whether req is an UPDATE of an object
// being deleted (metadata.deletionTimestamp set) that changes nothing but
// metadata and status, typically a controller removing its finalizer. Such
// an update must never be denied, or the object hangs in Terminating. An
// update that also changes the spec of a terminating object is not
// exempted: it goes through ratcheting like any other update, so deletion
// cannot be used to smuggle in a new violation while a finalizer keeps the
// object alive.
func terminatingMetadataOnly(req admission.Request, obj *policy.Object) bool {
	if req.Operation != admissionv1.Update || obj.Meta == nil || obj.Meta.DeletionTimestamp == nil {
		return false
	}
	return sameBeyondMetadata(req.OldObject.Raw, req.Object.Raw)
}

// sameBeyondMetadata reports whether two JSON objects have the same
// top-level fields other than metadata and status, compared byte for byte
// (the API server encodes old and new object alike). Undecodable input is
// never the same.
func sameBeyondMetadata(a, b []byte) bool {
	var x, y map[string]json.RawMessage
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil || x == nil || y == nil {
		return false
	}
	for _, m := range []map[string]json.RawMessage{x, y} {
		delete(m, "metadata")
		delete(m, "status")
	}
	if len(x) != len(y) {
		return false
	}
	for k, xv := range x {
		if yv, ok := y[k]; !ok || !bytes.Equal(xv, yv) {
			return false
		}
	}
	return true
}
