package policy

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Rule is one validation rule of the catalogue.
type Rule struct {
	// ID is "IGR" + three digits, fixed forever once published.
	ID string
	// Title is a short noun phrase, e.g. "PeerAuthentication mTLS mode not STRICT".
	Title string
	// Description explains what the rule rejects and why (one paragraph, Markdown).
	Description string
	// Remediation is one sentence that tells the user how to fix a hit.
	Remediation string
	// Istio names the Istio semantics the rule relies on: the proto comments
	// (defaults, inheritance, spellings) or the chart and injector code paths,
	// with the Istio version they were read from.
	Istio string
	// Targets are the kinds the rule applies to.
	Targets []Kind
	// DefaultAction applies when the configuration does not set one.
	DefaultAction Action
	// Params declares the rule's tunables, with defaults (nil: none).
	Params ParamSet
	// Check evaluates the rule on one object with its parameters (see
	// checkWith). It must not modify obj.
	Check func(ctx *Context, obj *Object, p Params) []Violation
	// CEL is the rule's exact ValidatingAdmissionPolicy form (vap_rules.go);
	// a rule without one says why in CELGap. Every rule has exactly one of
	// the two (never a weaker approximation under the same ID).
	CEL    func() CELForm
	CELGap string
	// Cluster evaluates a cross-object rule over the index of a set of
	// objects (its Check finds nothing per object). ClusterOnly marks a rule
	// that concludes only from a whole cluster: a partial input (check's
	// files) cannot know what is missing.
	Cluster     clusterCheck
	ClusterOnly bool
}

// Context is the per-evaluation context a rule or mutator may read. It holds
// facts the object alone does not carry, supplied by the caller (the webhook
// reads them from an informer cache; the CLI from the input files and flags).
type Context struct {
	// Namespaces resolves namespace labels; nil means nothing is known.
	Namespaces NamespaceLookup
	// Operation is the admission operation (CREATE, UPDATE) or "" offline.
	Operation string
	// Scaling holds every HorizontalPodAutoscaler and PodDisruptionBudget of
	// the input, so a rendered control plane is judged as a whole; nil when
	// the caller cannot know them all (admission).
	Scaling *Scaling
	// Routes holds every Gateway API route of the input, so a Gateway's
	// plaintext listeners are judged with the routes attached to them
	// (IGR308); nil when the caller cannot know them all (admission).
	Routes *GatewayRoutes
	// istio is the Istio release judged, set by the engine from
	// Settings.IstioVersion (zero: DefaultIstioVersion).
	istio IstioVersion
}

// istioVersion is the Istio release judged; nil-safe.
func (c *Context) istioVersion() IstioVersion {
	if c == nil {
		return DefaultIstioVersion
	}
	return c.istio.orDefault()
}

// NamespaceLookup returns the labels of a namespace, ok=false if it is unknown.
type NamespaceLookup interface {
	NamespaceLabels(name string) (labels map[string]string, ok bool)
}

// NamespaceLabels is a NamespaceLookup over a fixed map.
type NamespaceLabels map[string]map[string]string

// NamespaceLabels implements NamespaceLookup.
func (m NamespaceLabels) NamespaceLabels(name string) (map[string]string, bool) {
	l, ok := m[name]
	return l, ok
}

// namespaceLabels is a nil-safe lookup helper for rules.
func (c *Context) namespaceLabels(name string) (map[string]string, bool) {
	if c == nil || c.Namespaces == nil {
		return nil, false
	}
	return c.Namespaces.NamespaceLabels(name)
}

// Kind names a group kind as schema.GroupKind.String() renders it
// ("Kind.group", or just "Kind" for the core group), so it can be a constant.
type Kind string

// KindOf returns the Kind of a group kind, for matching against Rule.Targets.
func KindOf(gk schema.GroupKind) Kind { return Kind(gk.String()) }

// GroupKind parses k back.
func (k Kind) GroupKind() schema.GroupKind { return schema.ParseGroupKind(string(k)) }

// Kinds used by the catalogue.
const (
	KindPeerAuthentication    Kind = "PeerAuthentication.security.istio.io"
	KindRequestAuthentication Kind = "RequestAuthentication.security.istio.io"
	KindAuthorizationPolicy   Kind = "AuthorizationPolicy.security.istio.io"
	KindDestinationRule       Kind = "DestinationRule.networking.istio.io"
	KindGateway               Kind = "Gateway.networking.istio.io"
	KindSidecar               Kind = "Sidecar.networking.istio.io"
	KindVirtualService        Kind = "VirtualService.networking.istio.io"
	KindEnvoyFilter           Kind = "EnvoyFilter.networking.istio.io"
	KindServiceEntry          Kind = "ServiceEntry.networking.istio.io"
	KindIstioOperator         Kind = "IstioOperator.install.istio.io"
	// Helm values files have no kind; `check --values-for istiod|gateway` labels them.
	KindIstiodValues  Kind = "IstiodValues.istio-guardrail.io"
	KindGatewayValues Kind = "GatewayValues.istio-guardrail.io"
	KindNamespace     Kind = "Namespace"
	KindPod           Kind = "Pod"
	KindConfigMap     Kind = "ConfigMap"
	KindDeployment    Kind = "Deployment.apps"
	KindStatefulSet   Kind = "StatefulSet.apps"
	KindDaemonSet     Kind = "DaemonSet.apps"
	KindReplicaSet    Kind = "ReplicaSet.apps"
	KindJob           Kind = "Job.batch"
	KindCronJob       Kind = "CronJob.batch"
	KindPDB           Kind = "PodDisruptionBudget.policy"
	KindHPA           Kind = "HorizontalPodAutoscaler.autoscaling"
	KindCertificate   Kind = "Certificate.cert-manager.io"
)

// WorkloadKinds are the kinds that carry a pod template.
func WorkloadKinds() []Kind {
	return []Kind{KindDeployment, KindStatefulSet, KindDaemonSet, KindReplicaSet, KindJob, KindCronJob}
}
