package webhooks

import (
	"fmt"
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
	// OwnNamespace is the guardrail's namespace: never mutated.
	OwnNamespace string
	// Metrics records requests and findings; nil records nothing.
	Metrics *Metrics
	// Log receives one line per decision.
	Log *zap.Logger
	// Debug logs the object body of each request (never on by default).
	Debug bool
}

// outcome is what a handler decided, for the decision log line and metrics.
type outcome struct {
	decision string // allowed, warned, denied, mutated, error
	findings []policy.Finding
	applied  []string
	err      error
}

// context returns the policy context of a request.
func (o *Options) context(req admission.Request) *policy.Context {
	return &policy.Context{Namespaces: o.Namespaces, Operation: string(req.Operation)}
}

// decode decodes the request's object, checks it matches the request's kind
// and defaults its namespace from the request.
func (o *Options) decode(req admission.Request) (*policy.Object, error) {
	raw := req.Object.Raw
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("request for %s has no object", req.Kind.Kind)
	}
	obj, err := o.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", req.Kind.Kind, err)
	}
	if obj == nil {
		return nil, fmt.Errorf("decode %s: no object", req.Kind.Kind)
	}
	if obj.GroupKind.Group != req.Kind.Group || obj.GroupKind.Kind != req.Kind.Kind {
		return nil, fmt.Errorf("object is a %s but the request is for %s", obj.GroupKind, schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind})
	}
	if obj.Meta != nil && obj.Meta.Namespace == "" && req.Namespace != "" && policy.KindOf(obj.GroupKind) != policy.KindNamespace {
		obj.Meta.Namespace = req.Namespace
	}
	return obj, nil
}

// logDecision writes the one log line per decision and records metrics.
func (o *Options) logDecision(webhook string, req admission.Request, out outcome, start time.Time) {
	d := time.Since(start)
	o.Metrics.request(webhook, req.Kind.Kind, string(req.Operation), out.decision, d)
	fields := []zap.Field{
		zap.String("webhook", webhook),
		zap.String("uid", string(req.UID)),
		zap.String("kind", req.Kind.Kind),
		zap.String("operation", string(req.Operation)),
		zap.String("object", objectName(req)),
		zap.String("user", req.UserInfo.Username),
		zap.String("decision", out.decision),
		zap.Duration("latency", d),
	}
	if req.DryRun != nil && *req.DryRun {
		fields = append(fields, zap.Bool("dryRun", true))
	}
	if len(out.findings) > 0 {
		fields = append(fields, zap.Strings("rules", ruleIDs(out.findings)))
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
