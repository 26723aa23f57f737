package webhooks

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Options are the dependencies shared by the Validator and the Mutator.
type Options struct {
	// Policy holds the engine in force (hot-reloaded).
	Policy *Policy
	// Decode decodes one object (manifest.FromJSON).
	Decode Decoder
	// Namespaces resolves namespace labels from an informer cache; nil means unknown.
	Namespaces policy.NamespaceLookup
	// Metrics records requests and findings; nil records nothing.
	Metrics *Metrics
	// Log receives one line per decision.
	Log *zap.Logger
	// Debug logs the object body of each request (never on by default).
	Debug bool
}

// outcome is what a handler decided, for the decision log line and metrics.
type outcome struct {
	decision string // one of the decision* constants
	findings []policy.Finding
	exempted []policy.Exemption
	applied  []string
	err      error
}

// context returns the policy context of a request.
func (o *Options) context(req admission.Request) *policy.Context {
	return &policy.Context{Namespaces: o.Namespaces, Operation: string(req.Operation)}
}

// badRequestError is a request that cannot be evaluated as sent (no
// object, an object of another kind, one that does not decode). It is
// answered HTTP 400, which the API server, like a 5xx, treats as a failed
// call: the webhook's failurePolicy decides, never a denial.
type badRequestError struct{ err error }

func (e *badRequestError) Error() string { return e.err.Error() }
func (e *badRequestError) Unwrap() error { return e.err }

func badRequest(format string, args ...any) error {
	return &badRequestError{err: fmt.Errorf(format, args...)}
}

// errorCode is the HTTP status a handler-side error is answered with: 503
// before a configuration is loaded, 400 for a request that cannot be
// evaluated, 500 otherwise. Never 200: see handlerFailure.
func errorCode(err error) int32 {
	var bad *badRequestError
	switch {
	case errors.Is(err, errNoPolicy):
		return http.StatusServiceUnavailable
	case errors.As(err, &bad):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// decode decodes the request's object, checks it matches the request's kind
// and defaults its namespace from the request. Its errors are bad requests.
func (o *Options) decode(req admission.Request) (*policy.Object, error) {
	kind := logField(req.Kind.Kind)
	raw := req.Object.Raw
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("request for %s has no object", kind)
	}
	obj, err := o.Decode(raw)
	if err != nil {
		return nil, badRequest("decode %s: %w", kind, err)
	}
	if obj == nil {
		return nil, badRequest("decode %s: no object", kind)
	}
	if obj.GroupKind.Group != req.Kind.Group || obj.GroupKind.Kind != req.Kind.Kind {
		return nil, badRequest("object is a %s but the request is for %s", logField(obj.GroupKind.String()),
			logField(schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind}.String()))
	}
	if obj.Meta != nil && obj.Meta.Namespace == "" && req.Namespace != "" && policy.KindOf(obj.GroupKind) != policy.KindNamespace {
		obj.Meta.Namespace = req.Namespace
	}
	return obj, nil
}

// logDecision writes the one log line per decision and records metrics.
func (o *Options) logDecision(webhook string, req admission.Request, out outcome, start time.Time) {
	d := time.Since(start)
	o.Metrics.request(webhook, schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind}, req.Operation, out.decision, d)
	// Every string from the request is bounded: a review may carry a kind,
	// name or user of any length (see bounds.go).
	fields := []zap.Field{
		zap.String("webhook", webhook),
		zap.String("uid", logField(string(req.UID))),
		zap.String("kind", logField(req.Kind.Kind)),
		zap.String("operation", logField(string(req.Operation))),
		zap.String("object", logField(objectName(req))),
		zap.String("user", logField(req.UserInfo.Username)),
		zap.String("decision", out.decision),
		zap.Duration("latency", d),
	}
	if req.DryRun != nil && *req.DryRun {
		fields = append(fields, zap.Bool("dryRun", true))
	}
	if len(out.findings) > 0 {
		fields = append(fields, zap.Strings("rules", ruleIDs(out.findings)))
	}
	if len(out.exempted) > 0 {
		fields = append(fields, zap.Strings("exemptedRules", exemptedRules(out.exempted)),
			zap.String("exemptReason", logField(out.exempted[0].Reason)))
	}
	if len(out.applied) > 0 {
		fields = append(fields, zap.Strings("mutators", out.applied))
	}
	if out.err != nil {
		fields = append(fields, zap.Error(out.err))
	}
	if o.Debug {
		fields = append(fields, zap.ByteString("body", req.Object.Raw))
	}
	o.Log.Info("admission decision", fields...)
}

// exemptedRules returns the rule IDs of es, for logs.
func exemptedRules(es []policy.Exemption) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Rule)
	}
	return out
}

// objectName renders "namespace/name" (or the name alone) of a request.
func objectName(req admission.Request) string {
	if req.Namespace == "" {
		return req.Name
	}
	return req.Namespace + "/" + req.Name
}

// skipOperation reports whether op is never evaluated (DELETE, CONNECT).
func skipOperation(op admissionv1.Operation) bool {
	return op != admissionv1.Create && op != admissionv1.Update
}
