package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Mutator is the mutating webhook. It fails open: any error allows the
// request unchanged with a warning. It also validates the final object in
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
	resp, out := m.decide(req)
	if out.err != nil {
		resp = admission.Allowed("").WithWarnings(truncate("istio-guardrail did not mutate this object: "+out.err.Error(), MaxWarningLength))
	}
	m.o.logDecision("mutate", req, out, start)
	return resp
}

// decide mutates the request's object and returns the patch response.
func (m *Mutator) decide(req admission.Request) (admission.Response, outcome) {
	if skipOperation(req.Operation) || (m.o.OwnNamespace != "" && req.Namespace == m.o.OwnNamespace) {
		return admission.Allowed(""), outcome{decision: "allowed"}
	}
	eng := m.o.Policy.Current()
	if eng == nil {
		return admission.Response{}, outcome{decision: "error", err: errNoPolicy}
	}
	obj, err := m.o.decode(req)
	if err != nil {
		return admission.Response{}, outcome{decision: "error", err: err}
	}
	if obj.Body == nil {
		return admission.Allowed(""), outcome{decision: "allowed"}
	}
	pctx := m.o.context(req)
	patched, res, err := mutateJSON(eng, pctx, obj, req.Object.Raw)
	if err != nil {
		return admission.Response{}, outcome{decision: "error", err: err}
	}
	out := outcome{decision: "allowed", applied: res.Applied, findings: m.audit(eng, pctx, obj)}
	notes := make([]string, 0, len(res.Notes))
	for _, n := range res.Notes {
		notes = append(notes, truncate(n, MaxWarningLength))
	}
	if patched == nil {
		return admission.Allowed("").WithWarnings(notes...), out
	}
	resp := admission.PatchResponseFromRaw(req.Object.Raw, patched)
	if resp.Result != nil && resp.Result.Code >= 400 {
		return admission.Response{}, outcome{decision: "error", err: fmt.Errorf("build patch: %s", resp.Result.Message)}
	}
	for _, id := range res.Applied {
		m.o.Metrics.mutation(id)
	}
	out.decision = "mutated"
	return resp.WithWarnings(notes...), out
}

// audit validates the mutated object and counts its findings as audit.
func (m *Mutator) audit(eng Evaluator, pctx *policy.Context, obj *policy.Object) []policy.Finding {
	res := eng.Validate(pctx, obj)
	for _, f := range res.Findings {
		m.o.Metrics.finding(f.Rule, string(policy.ActionAudit))
	}
	return res.Findings
}

// mutateJSON runs the mutators on obj and returns the request's raw JSON with
// the same changes applied (nil if nothing changed). The diff is taken between
// the typed object before and after mutation and applied to the raw JSON, so
// fields the Go types do not know survive. A mutator panic is an error.
func mutateJSON(eng Evaluator, pctx *policy.Context, obj *policy.Object, raw []byte) (patched []byte, res policy.MutationResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			patched, err = nil, fmt.Errorf("mutator panic: %v", r)
		}
	}()
	before, err := json.Marshal(obj.Body)
	if err != nil {
		return nil, res, fmt.Errorf("encode object: %w", err)
	}
	if res, err = eng.Mutate(pctx, obj); err != nil {
		return nil, res, fmt.Errorf("mutate: %w", err)
	}
	if len(res.Applied) == 0 {
		return nil, res, nil
	}
	after, err := json.Marshal(obj.Body)
	if err != nil {
		return nil, res, fmt.Errorf("encode mutated object: %w", err)
	}
	patched, err = applyTypedDiff(raw, before, after)
	return patched, res, err
}
