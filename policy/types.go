package policy

import (
	"fmt"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Action is what happens when a rule matches.
type Action string

// The actions, from strongest to weakest.
const (
	ActionDeny  Action = "deny"  // reject at admission; fail check at --fail-on deny
	ActionWarn  Action = "warn"  // admission warning; fail check at --fail-on warn
	ActionAudit Action = "audit" // logged and counted only
	ActionOff   Action = "off"   // rule disabled
)

// Actions lists the valid actions, strongest first.
func Actions() []Action { return []Action{ActionDeny, ActionWarn, ActionAudit, ActionOff} }

// rank orders actions: deny > warn > audit > off; unknown actions rank as off.
func (a Action) rank() int {
	switch a {
	case ActionDeny:
		return 3
	case ActionWarn:
		return 2
	case ActionAudit:
		return 1
	default:
		return 0
	}
}

// AtLeast reports whether a is as strong as b (deny.AtLeast(warn) is true).
func (a Action) AtLeast(b Action) bool { return a.rank() >= b.rank() }

// Valid reports whether a is one of the defined actions.
func (a Action) Valid() bool {
	switch a {
	case ActionDeny, ActionWarn, ActionAudit, ActionOff:
		return true
	}
	return false
}

// weaker returns the weaker of a and b.
func weaker(a, b Action) Action {
	if a.rank() <= b.rank() {
		return a
	}
	return b
}

// ObjectRef identifies an object in findings and messages.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// String renders "Kind namespace/name" (or "Kind name" for cluster-scoped objects).
// An object without a name (Istio's profile files, say) shows as <unnamed>.
func (r ObjectRef) String() string {
	name := r.Name
	if name == "" {
		name = "<unnamed>"
	}
	if r.Namespace == "" {
		return r.Kind + " " + name
	}
	return r.Kind + " " + r.Namespace + "/" + name
}

// Object is one decoded document handed to the engine. Decoders (package
// manifest for files, package webhooks for AdmissionReviews) build it once.
type Object struct {
	// GroupKind selects the rules; Version is informational (all served
	// versions of an Istio kind share one spec type).
	GroupKind schema.GroupKind
	Version   string
	// Meta is the object's metadata. Namespace is already defaulted by the decoder.
	Meta *metav1.ObjectMeta
	// Body is the typed object, normalised per kind:
	//   - Istio kinds: a pointer to the istio.io/api spec message, e.g.
	//     *securityapi.PeerAuthentication (the same type for v1, v1beta1, v1alpha3);
	//   - Kubernetes kinds: the typed object, e.g. *corev1.Pod, *appsv1.Deployment,
	//     *corev1.Namespace, *corev1.ConfigMap, *policyv1.PodDisruptionBudget;
	//   - cert-manager Certificate: *cmapi.Certificate;
	//   - IstioOperator and Helm values documents: map[string]any (see controlplane.go).
	Body any
	// UnknownFields lists the fields in the document that the kind's CRD
	// schema does not define (reported by IGR002). The API server prunes them,
	// so Body was decoded without them. Only file decoding fills it.
	UnknownFields []UnknownField
}

// bodyAs returns obj's Body as a *T (the spec message of an Istio kind, the
// typed object of a Kubernetes kind), ok=false when obj is nil or its body is
// of another type. The pointer may be nil with ok=true: proto getters are nil-safe.
func bodyAs[T any](obj *Object) (body *T, ok bool) {
	if obj == nil {
		return nil, false
	}
	body, ok = obj.Body.(*T)
	return body, ok
}

// UnknownField is a field the API server would prune.
type UnknownField struct {
	// Path is the field path, e.g. "spec.mtsl".
	Path string
	// JSONName is set when the field is a protobuf field under its proto name
	// (connect_timeout): Istio's decoders accept that spelling, but the CRD
	// schema has only the JSON name (connectTimeout), so it is pruned.
	JSONName string
}

// Ref returns the object's reference.
func (o *Object) Ref() ObjectRef {
	ref := ObjectRef{Kind: o.GroupKind.Kind}
	ref.APIVersion = schema.GroupVersion{Group: o.GroupKind.Group, Version: o.Version}.String()
	if o.Meta != nil {
		ref.Namespace, ref.Name = o.Meta.Namespace, o.Meta.Name
	}
	return ref
}

// Violation is one thing a rule found wrong, before the engine turns it into a
// Finding. Build it with Invalid or Required.
type Violation struct {
	// Path is the offending field, e.g. spec.mtls.mode. It stays a
	// *field.Path until the engine renders it into Finding.Field.
	Path *field.Path
	// Value is the offending value, quoted in the message; nil omits it.
	Value any
	// Message says what is wrong, e.g. "must be STRICT".
	Message string
	// Fix overrides the rule's remediation for this hit, e.g.
	// "set spec.mtls.mode: STRICT". Empty uses Rule.Remediation.
	Fix string
	// Advisory caps the action at warn whatever the rule's action is (for the
	// "(warn)" parts of a rule whose main action is deny).
	Advisory bool
}

// Invalid reports a field with a bad value.
func Invalid(path *field.Path, value any, msg string) Violation {
	return Violation{Path: path, Value: value, Message: msg}
}

// Required reports a missing field.
func Required(path *field.Path, msg string) Violation {
	return Violation{Path: path, Message: msg}
}

// WithFix returns v with a specific remediation.
func (v Violation) WithFix(fix string) Violation { v.Fix = fix; return v }

// AsAdvisory returns v capped at warn.
func (v Violation) AsAdvisory() Violation { v.Advisory = true; return v }

// Text renders the violation as `spec.mtls.mode: "PERMISSIVE" must be STRICT`.
func (v Violation) Text() string {
	var b strings.Builder
	b.WriteString(v.Path.String())
	b.WriteString(": ")
	if v.Value != nil {
		b.WriteString(quoteValue(v.Value))
		b.WriteByte(' ')
	}
	b.WriteString(v.Message)
	return b.String()
}

func quoteValue(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case fmt.Stringer:
		return strconv.Quote(x.String())
	default:
		return fmt.Sprint(x)
	}
}

// Finding is a violation attributed to a rule, an object and an action.
type Finding struct {
	Rule   string    `json:"rule"`
	Action Action    `json:"action"`
	Object ObjectRef `json:"object"`
	// Field is the violation's field.Path as it renders (spec.servers[0].tls),
	// the one form renderers, sorting and manifest's line lookup read.
	Field       string `json:"field"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// String renders the user-facing line:
// IGR101 PeerAuthentication istio-system/default spec.mtls.mode: "PERMISSIVE" must be STRICT (fix: set spec.mtls.mode: STRICT)
func (f Finding) String() string {
	return f.Rule + " " + f.Object.String() + " " + f.Short()
}

// Short renders the finding without the object: `spec.x: "v" must be y (fix: ...)`.
func (f Finding) Short() string {
	s := f.Field + ": " + f.Message
	if f.Remediation != "" {
		s += " (fix: " + f.Remediation + ")"
	}
	return s
}

// Kinds of the rest of the mesh API: Istio's telemetry, extension and proxy
// configuration kinds, and the Kubernetes Gateway API kinds Istio implements
// (decoded into the sigs.k8s.io/gateway-api v1 types, whatever the version).
const (
	KindTelemetry         Kind = "Telemetry.telemetry.istio.io"
	KindWasmPlugin        Kind = "WasmPlugin.extensions.istio.io"
	KindProxyConfig       Kind = "ProxyConfig.networking.istio.io"
	KindGatewayAPIGateway Kind = "Gateway.gateway.networking.k8s.io"
	KindListenerSet       Kind = "ListenerSet.gateway.networking.k8s.io"
	KindHTTPRoute         Kind = "HTTPRoute.gateway.networking.k8s.io"
	KindGRPCRoute         Kind = "GRPCRoute.gateway.networking.k8s.io"
	KindTLSRoute          Kind = "TLSRoute.gateway.networking.k8s.io"
	KindReferenceGrant    Kind = "ReferenceGrant.gateway.networking.k8s.io"
)
