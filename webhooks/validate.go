package webhooks

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Validator is the validating webhook: deny findings deny the request, warn
// findings become warnings, audit findings are logged and counted. It never
// returns a patch.
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
	v.o.logDecision("validate", req, out, start)
	return resp
}

// decide evaluates the request; UPDATE validates the new object, DELETE and
// CONNECT are allowed, dry runs get the same verdict.
func (v *Validator) decide(req admission.Request) (admission.Response, outcome) {
	if skipOperation(req.Operation) {
		return admission.Allowed(""), outcome{decision: "allowed"}
	}
	eng := v.o.Policy.Current()
	if eng == nil {
		return admission.Errored(http.StatusServiceUnavailable, errNoPolicy), outcome{decision: "error", err: errNoPolicy}
	}
	obj, err := v.o.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err), outcome{decision: "error", err: err}
	}
	res := eng.Validate(v.o.context(req), obj)
	deny, warn, _ := splitFindings(res.Findings) // audit: logged and counted only
	for _, f := range res.Findings {
		v.o.Metrics.finding(f.Rule, string(f.Action))
	}
	out := outcome{decision: "allowed", findings: res.Findings}
	if len(deny) > 0 {
		out.decision = "denied"
		return admission.Denied(denyMessage(obj.Ref(), deny)).WithWarnings(warnings(warn)...), out
	}
	if len(warn) > 0 {
		out.decision = "warned"
	}
	return admission.Allowed("").WithWarnings(warnings(warn)...), out
}
