package webhooks

import (
	"context"
	"time"

	"go.uber.org/zap"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Validator is the validating webhook: deny findings deny the request, warn
// findings become warnings, audit findings are logged and counted. On
// UPDATE, deny findings the old object already had are warnings
// (ratcheting). It never returns a patch.
type Validator struct{ o Options }

var _ admission.Handler = (*Validator)(nil)

// NewValidator returns a Validator over o.
func NewValidator(o Options) *Validator {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return &Validator{o: o}
}

// Handle implements admission.Handler.
func (v *Validator) Handle(_ context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp, out := v.decide(req)
	v.o.logDecision(webhookValidate, req, out, start)
	return resp
}

// decide evaluates the request. An allowed request whose verdict an
// exemption annotation changed is logged and counted as "exempted". CREATE validates the object. UPDATE
// validates the new object but denies only findings the old object did not
// have (see ratchet), and allows without evaluation a metadata-only update
// of an object being deleted (see terminatingMetadataOnly). DELETE and
// CONNECT are allowed. Dry runs get the same verdict.
func (v *Validator) decide(req admission.Request) (admission.Response, outcome) {
	if skipOperation(req.Operation) {
		return admission.Allowed(""), outcome{decision: decisionAllowed}
	}
	// A request we cannot evaluate is a failure, never a denial: Errored
	// responses are answered HTTP 4xx/5xx (see handlerFailure), so the
	// webhook's failurePolicy decides.
	obj, err := v.o.decode(req)
	if err != nil {
		return admission.Errored(errorCode(err), err), outcome{decision: decisionError, err: err}
	}
	if terminatingMetadataOnly(req, obj) {
		return admission.Allowed("").WithWarnings(terminatingWarning), outcome{decision: decisionTerminating}
	}
	eng := v.o.Policy.Current()
	if eng == nil {
		return admission.Errored(errorCode(errNoPolicy), errNoPolicy), outcome{decision: decisionError, err: errNoPolicy}
	}
	pctx := v.o.context(req)
	res := eng.Validate(pctx, obj)
	for _, f := range res.Findings {
		v.o.Metrics.finding(f.Rule, string(f.Action))
	}
	for _, e := range res.Exempted {
		v.o.Metrics.exemption(e.Rule)
	}
	deny, warn, _ := splitFindings(res.Findings) // audit: logged and counted only
	var pre []policy.Finding
	if len(deny) > 0 && req.Operation == admissionv1.Update {
		deny, pre = v.ratchet(eng, pctx, req, deny)
	}
	resp, out := verdict(obj.Ref(), deny, warn, pre, res.Findings)
	if out.exempted = res.Exempted; len(res.Exempted) > 0 && out.decision != decisionDenied {
		out.decision = decisionExempted
	}
	return resp, out
}

// verdict renders the response: fresh deny findings deny; pre-existing ones
// and warn findings become warnings, pre-existing first.
func verdict(ref policy.ObjectRef, deny, warn, pre, all []policy.Finding) (admission.Response, outcome) {
	ws := append(preexistingWarnings(pre), warnings(warn)...)
	out := outcome{decision: decisionAllowed, findings: all}
	switch {
	case len(deny) > 0:
		out.decision = decisionDenied
		return admission.Denied(denyMessage(ref, deny)).WithWarnings(ws...), out
	case len(pre) > 0:
		out.decision = decisionPreexisting
	case len(warn) > 0:
		out.decision = decisionWarned
	}
	return admission.Allowed("").WithWarnings(ws...), out
}
