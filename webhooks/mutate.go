package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"go.uber.org/zap"
	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Mutator is the mutating webhook. It never denies: any error (no
// configuration yet, an object it cannot decode, a mutator that fails or
// panics) is answered HTTP 5xx, so the webhook's failurePolicy decides
// (Ignore in the chart: the object is admitted unchanged). It also validates the final object in
// audit mode (logged and counted, never denied), because a later webhook may
// undo a mutation and the validating webhook sees only what it is sent.
type Mutator struct{ o Options }

var _ admission.Handler = (*Mutator)(nil)

// NewMutator returns a Mutator over o.
func NewMutator(o Options) *Mutator {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return &Mutator{o: o}
}

// Handle implements admission.Handler.
func (m *Mutator) Handle(_ context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp, out := m.decideFailOpen(req)
	if out.err != nil {
		resp = admission.Errored(errorCode(out.err), fmt.Errorf("istio-guardrail did not mutate this object: %w", out.err))
	}
	m.o.logDecision(webhookMutate, req, out, start)
	return resp
}

// decideFailOpen is decide with any panic (in the mutators or in the audit
// validation of the result) turned into an error, which Handle answers with
// HTTP 5xx: a well-formed denial would bypass the configuration's
// failurePolicy, and an allowed answer would take the decision from it.
func (m *Mutator) decideFailOpen(req admission.Request) (resp admission.Response, out outcome) {
	defer func() {
		if r := recover(); r != nil {
			resp, out = admission.Response{}, outcome{decision: decisionError, err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return m.decide(req)
}

// decide mutates the request's object and returns the patch response.
func (m *Mutator) decide(req admission.Request) (admission.Response, outcome) {
	if skipOperation(req.Operation) {
		return admission.Allowed(""), outcome{decision: decisionAllowed}
	}
	eng := m.o.Policy.Current()
	if eng == nil {
		return admission.Response{}, outcome{decision: decisionError, err: errNoPolicy}
	}
	obj, err := m.o.decode(req)
	if err != nil {
		return admission.Response{}, outcome{decision: decisionError, err: err}
	}
	if obj.Body == nil {
		return admission.Allowed(""), outcome{decision: decisionAllowed}
	}
	pctx := m.o.context(req)
	ops, res, err := mutatePatch(eng, pctx, obj, req.Object.Raw)
	if err != nil {
		return admission.Response{}, outcome{decision: decisionError, err: err}
	}
	out := outcome{decision: decisionAllowed, applied: res.Applied, findings: m.audit(eng, pctx, obj)}
	notes := make([]string, 0, len(res.Notes))
	for _, n := range res.Notes {
		notes = append(notes, truncate(n, MaxWarningLength))
	}
	if len(ops) == 0 {
		return admission.Allowed("").WithWarnings(notes...), out
	}
	for _, id := range res.Applied {
		m.o.Metrics.mutation(id)
	}
	out.decision = decisionMutated
	return patchResponse(ops).WithWarnings(notes...), out
}

// audit validates the mutated object and counts its findings as audit.
func (m *Mutator) audit(eng Evaluator, pctx *policy.Context, obj *policy.Object) []policy.Finding {
	res := eng.Validate(pctx, obj)
	for _, f := range res.Findings {
		m.o.Metrics.finding(f.Rule, string(policy.ActionAudit))
	}
	return res.Findings
}

// patchResponse allows the request with a JSON patch, as
// admission.PatchResponseFromRaw does.
func patchResponse(ops []jsonpatch.JsonPatchOperation) admission.Response {
	pt := admissionv1.PatchTypeJSONPatch
	return admission.Response{Patches: ops, AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed:   true,
		Result:    &metav1.Status{Code: http.StatusOK},
		PatchType: &pt,
	}}
}

// MutationPatch is the mutating webhook's core, exported so that the CLI's
// `mutate` preview applies exactly the patch admission would return: it
// runs eng's mutators on obj (decoded from raw, mutated in place) and
// returns the JSON patch relative to raw (nil when nothing changed).
func MutationPatch(eng Evaluator, pctx *policy.Context, obj *policy.Object, raw []byte) ([]jsonpatch.JsonPatchOperation, policy.MutationResult, error) {
	return mutatePatch(eng, pctx, obj, raw)
}

// mutatePatch runs the mutators on obj and returns the JSON patch that
// applies their changes to raw, the request's object (nil if nothing
// changed). When no mutator applies, nothing is encoded at all. Otherwise
// the typed object before and after mutation are compared and the
// difference is applied to raw (see jsonPatch), so fields the
// Go types do not know survive. A mutator panic is an error.
func mutatePatch(eng Evaluator, pctx *policy.Context, obj *policy.Object, raw []byte) (ops []jsonpatch.JsonPatchOperation, res policy.MutationResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			ops, err = nil, fmt.Errorf("mutator panic: %v", r)
		}
	}()
	snap, err := snapshot(obj.Body)
	if err != nil {
		return nil, res, err
	}
	if res, err = eng.Mutate(pctx, obj); err != nil {
		return nil, res, fmt.Errorf("mutate: %w", err)
	}
	if len(res.Applied) == 0 {
		return nil, res, nil
	}
	ops, err = snap.patch(raw, obj.Body)
	return ops, res, err
}

// bodySnapshot is the object as it was before mutation: a deep copy for
// Kubernetes types (cheap, and not encoded unless a mutator applies), its
// JSON for other bodies.
type bodySnapshot struct {
	copy any
	js   []byte
}

// snapshot records body before the mutators run.
func snapshot(body any) (bodySnapshot, error) {
	if o, ok := body.(runtime.Object); ok {
		return bodySnapshot{copy: o.DeepCopyObject()}, nil
	}
	js, err := json.Marshal(body)
	if err != nil {
		return bodySnapshot{}, fmt.Errorf("encode object: %w", err)
	}
	return bodySnapshot{js: js}, nil
}

// patch returns the operations that apply to raw the changes from the
// snapshot to after: the diff of the two JSON encodings (jsonPatch, the one
// patch algorithm), so the encoding rules are encoding/json's own.
//
// A Kubernetes object is pruned first (see pruneEqual): the copy and a copy
// of after lose, equally, every part the mutators left unchanged, so only
// what changed is encoded.
func (s bodySnapshot) patch(raw []byte, after any) ([]jsonpatch.JsonPatchOperation, error) {
	before := s.js
	if before == nil {
		if o, ok := after.(runtime.Object); ok && reflect.TypeOf(o) == reflect.TypeOf(s.copy) {
			after = prunedPair(s.copy, o)
		}
		var err error
		if before, err = json.Marshal(s.copy); err != nil {
			return nil, fmt.Errorf("encode object: %w", err)
		}
	}
	return jsonDiffPatch(raw, before, after)
}

// prunedPair prunes snap (owned by the snapshot) against after, which the
// caller keeps unchanged (pruneEqual copies what it zeroes), and returns
// the pruned copy of after.
func prunedPair(snap any, after runtime.Object) any {
	b, orig := reflect.ValueOf(snap), reflect.ValueOf(after)
	if b.Kind() != reflect.Pointer || b.IsNil() || b.Elem().Kind() != reflect.Struct || orig.IsNil() {
		return after
	}
	a := reflect.New(orig.Type().Elem())
	a.Elem().Set(orig.Elem())
	pruneEqual(b.Elem(), a.Elem())
	return a.Interface()
}

// jsonDiffPatch diffs the JSON encodings of the object before and after.
func jsonDiffPatch(raw, before []byte, after any) ([]jsonpatch.JsonPatchOperation, error) {
	js, err := json.Marshal(after)
	if err != nil {
		return nil, fmt.Errorf("encode mutated object: %w", err)
	}
	if bytes.Equal(before, js) {
		return nil, nil
	}
	ops, err := jsonPatch(raw, before, js)
	if err != nil {
		return nil, fmt.Errorf("build patch: %w", err)
	}
	return ops, nil
}
