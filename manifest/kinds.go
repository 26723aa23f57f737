package manifest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	extensionsv1alpha1 "istio.io/client-go/pkg/apis/extensions/v1alpha1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1alpha3 "istio.io/client-go/pkg/apis/networking/v1alpha3"
	networkingv1beta1 "istio.io/client-go/pkg/apis/networking/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	securityv1beta1 "istio.io/client-go/pkg/apis/security/v1beta1"
	telemetryv1 "istio.io/client-go/pkg/apis/telemetry/v1"
	telemetryv1alpha1 "istio.io/client-go/pkg/apis/telemetry/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	kjson "sigs.k8s.io/json"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// decodeFunc decodes one JSON document into its typed form and returns the
// metadata and the policy.Object Body.
type decodeFunc func(raw []byte) (meta *metav1.ObjectMeta, body any, err error)

// kindInfo describes how a served kind is decoded.
type kindInfo struct {
	decode decodeFunc
	// spec is the protobuf descriptor of an Istio spec (nil for other kinds);
	// it drives the unknown-field walk.
	spec protoreflect.MessageDescriptor
	// unknown, for the Go-typed CRD kinds (Gateway API), lists the fields
	// of a document that its type, and so the CRD schema, lacks.
	unknown func(raw []byte) []policy.UnknownField
}

// metaObject is implemented by every type that embeds metav1.ObjectMeta.
type metaObject interface{ GetObjectMeta() metav1.Object }

// unmarshal decodes like the API server: case-sensitive field names, and
// integers kept as int64 in untyped maps.
func unmarshal(raw []byte, v any) error { return kjson.UnmarshalCaseSensitivePreserveInts(raw, v) }

// whole decodes a Kubernetes type; Body is the whole object.
func whole[T any, P interface {
	*T
	metaObject
}]() kindInfo {
	return kindInfo{decode: func(raw []byte) (*metav1.ObjectMeta, any, error) {
		obj := P(new(T))
		if err := unmarshal(raw, obj); err != nil {
			return nil, nil, err
		}
		return obj.GetObjectMeta().(*metav1.ObjectMeta), obj, nil
	}}
}

// crdKind decodes a custom resource whose Go type has exactly the JSON
// schema of its CRD (the Gateway API types the CRDs are generated from):
// Body is the whole object, and the fields the type lacks are the fields
// the API server prunes (IGR002). Like the Istio walk it reports unknown
// fields under spec and status, not metadata (which the API server coerces
// to ObjectMeta separately) nor apiVersion and kind.
func crdKind[T any, P interface {
	*T
	metaObject
}]() kindInfo {
	info := whole[T, P]()
	info.unknown = func(raw []byte) []policy.UnknownField {
		strict, err := kjson.UnmarshalStrict(raw, P(new(T)), kjson.DisallowUnknownFields)
		if err != nil {
			return nil // decode reports it
		}
		var out []policy.UnknownField
		for _, e := range strict {
			fe, ok := e.(kjson.FieldError)
			if !ok || strings.HasPrefix(fe.FieldPath(), "metadata.") {
				continue
			}
			out = append(out, policy.UnknownField{Path: fe.FieldPath()})
		}
		slices.SortFunc(out, func(a, b policy.UnknownField) int { return strings.Compare(a.Path, b.Path) })
		return out
	}
	return info
}

// specDecoder decodes Istio specs on the fast path: protojson with unknown
// fields discarded. Istio itself (istiod through istio.io/client-go, and the
// istio.io/api JSON shims) decodes with github.com/golang/protobuf/jsonpb,
// which differs in one way that matters: it reads a Duration with Go's
// time.ParseDuration ("30ms", "1m", "1h30m", the forms Istio's docs use and
// the CRD's CEL duration() accepts), where protojson takes only "1.5s".
// decodeSpec therefore falls back to the spec type's own UnmarshalJSON, so
// every spec istiod can read is read, with istiod's meaning;
// TestSpecDecodeMatchesIstio holds the fast path to that decoder.
var specDecoder = protojson.UnmarshalOptions{DiscardUnknown: true}

// decodeSpec decodes an Istio spec into body as istiod would.
func decodeSpec(raw []byte, body proto.Message) error {
	err := specDecoder.Unmarshal(raw, body)
	if err == nil {
		return nil
	}
	istio, ok := body.(json.Unmarshaler)
	if !ok {
		return err
	}
	proto.Reset(body)
	if istio.UnmarshalJSON(raw) != nil {
		return err // protojson names the offending field more precisely
	}
	return nil
}

// istioParts is an Istio object split into the parts decoded separately.
type istioParts struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     json.RawMessage   `json:"spec"`
}

// istioKind decodes an istio.io/client-go type; Body is the spec message.
func istioKind[T any, P interface {
	*T
	metaObject
}](spec func(P) proto.Message) kindInfo {
	return kindInfo{
		spec: spec(P(new(T))).ProtoReflect().Descriptor(),
		decode: func(raw []byte) (*metav1.ObjectMeta, any, error) {
			var parts istioParts
			if err := unmarshal(raw, &parts); err != nil {
				return nil, nil, err
			}
			obj := P(new(T))
			meta := obj.GetObjectMeta().(*metav1.ObjectMeta)
			*meta = parts.Metadata
			body := spec(obj)
			if len(parts.Spec) > 0 && string(parts.Spec) != "null" {
				if err := decodeSpec(parts.Spec, body); err != nil {
					return nil, nil, fmt.Errorf("spec: %w", err)
				}
			}
			return meta, body, nil
		},
	}
}

// untyped decodes a document into map[string]any (IstioOperator, values).
func untyped() kindInfo {
	return kindInfo{decode: func(raw []byte) (*metav1.ObjectMeta, any, error) {
		var body map[string]any
		if err := unmarshal(raw, &body); err != nil {
			return nil, nil, err
		}
		var head struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := unmarshal(raw, &head); err != nil {
			return nil, nil, err
		}
		return &head.Metadata, body, nil
	}}
}

// gvk is shorthand for schema.GroupVersionKind.
func gvk(group, version, kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
}

var (
	kindsOnce sync.Once
	kindTable map[schema.GroupVersionKind]kindInfo
)

// kinds returns the table of typed kinds, built once (it is read-only after).
func kinds() map[schema.GroupVersionKind]kindInfo {
	kindsOnce.Do(func() {
		kindTable = map[schema.GroupVersionKind]kindInfo{}
		for _, add := range []func(map[schema.GroupVersionKind]kindInfo){addSecurity, addNetworking, addOtherIstio, addKubernetes, addGatewayAPI} {
			add(kindTable)
		}
	})
	return kindTable
}

func addSecurity(m map[schema.GroupVersionKind]kindInfo) {
	const g = "security.istio.io"
	m[gvk(g, "v1", "PeerAuthentication")] = istioKind(func(o *securityv1.PeerAuthentication) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "RequestAuthentication")] = istioKind(func(o *securityv1.RequestAuthentication) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "AuthorizationPolicy")] = istioKind(func(o *securityv1.AuthorizationPolicy) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "PeerAuthentication")] = istioKind(func(o *securityv1beta1.PeerAuthentication) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "RequestAuthentication")] = istioKind(func(o *securityv1beta1.RequestAuthentication) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "AuthorizationPolicy")] = istioKind(func(o *securityv1beta1.AuthorizationPolicy) proto.Message { return &o.Spec })
}

func addNetworking(m map[schema.GroupVersionKind]kindInfo) {
	const g = "networking.istio.io"
	m[gvk(g, "v1", "DestinationRule")] = istioKind(func(o *networkingv1.DestinationRule) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "Gateway")] = istioKind(func(o *networkingv1.Gateway) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "ServiceEntry")] = istioKind(func(o *networkingv1.ServiceEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "Sidecar")] = istioKind(func(o *networkingv1.Sidecar) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "VirtualService")] = istioKind(func(o *networkingv1.VirtualService) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "WorkloadEntry")] = istioKind(func(o *networkingv1.WorkloadEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1", "WorkloadGroup")] = istioKind(func(o *networkingv1.WorkloadGroup) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "DestinationRule")] = istioKind(func(o *networkingv1beta1.DestinationRule) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "Gateway")] = istioKind(func(o *networkingv1beta1.Gateway) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "ServiceEntry")] = istioKind(func(o *networkingv1beta1.ServiceEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "Sidecar")] = istioKind(func(o *networkingv1beta1.Sidecar) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "VirtualService")] = istioKind(func(o *networkingv1beta1.VirtualService) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "WorkloadEntry")] = istioKind(func(o *networkingv1beta1.WorkloadEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "WorkloadGroup")] = istioKind(func(o *networkingv1beta1.WorkloadGroup) proto.Message { return &o.Spec })
	m[gvk(g, "v1beta1", "ProxyConfig")] = istioKind(func(o *networkingv1beta1.ProxyConfig) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "DestinationRule")] = istioKind(func(o *networkingv1alpha3.DestinationRule) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "Gateway")] = istioKind(func(o *networkingv1alpha3.Gateway) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "ServiceEntry")] = istioKind(func(o *networkingv1alpha3.ServiceEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "Sidecar")] = istioKind(func(o *networkingv1alpha3.Sidecar) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "VirtualService")] = istioKind(func(o *networkingv1alpha3.VirtualService) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "WorkloadEntry")] = istioKind(func(o *networkingv1alpha3.WorkloadEntry) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "WorkloadGroup")] = istioKind(func(o *networkingv1alpha3.WorkloadGroup) proto.Message { return &o.Spec })
	m[gvk(g, "v1alpha3", "EnvoyFilter")] = istioKind(func(o *networkingv1alpha3.EnvoyFilter) proto.Message { return &o.Spec })
}

func addOtherIstio(m map[schema.GroupVersionKind]kindInfo) {
	m[gvk("telemetry.istio.io", "v1", "Telemetry")] = istioKind(func(o *telemetryv1.Telemetry) proto.Message { return &o.Spec })
	m[gvk("telemetry.istio.io", "v1alpha1", "Telemetry")] = istioKind(func(o *telemetryv1alpha1.Telemetry) proto.Message { return &o.Spec })
	m[gvk("extensions.istio.io", "v1alpha1", "WasmPlugin")] = istioKind(func(o *extensionsv1alpha1.WasmPlugin) proto.Message { return &o.Spec })
	m[gvk("install.istio.io", "v1alpha1", "IstioOperator")] = untyped()
}

func addKubernetes(m map[schema.GroupVersionKind]kindInfo) {
	m[gvk("", "v1", "Pod")] = whole[corev1.Pod]()
	m[gvk("", "v1", "Namespace")] = whole[corev1.Namespace]()
	m[gvk("", "v1", "ConfigMap")] = whole[corev1.ConfigMap]()
	m[gvk("apps", "v1", "Deployment")] = whole[appsv1.Deployment]()
	m[gvk("apps", "v1", "StatefulSet")] = whole[appsv1.StatefulSet]()
	m[gvk("apps", "v1", "DaemonSet")] = whole[appsv1.DaemonSet]()
	m[gvk("apps", "v1", "ReplicaSet")] = whole[appsv1.ReplicaSet]()
	m[gvk("batch", "v1", "Job")] = whole[batchv1.Job]()
	m[gvk("batch", "v1", "CronJob")] = whole[batchv1.CronJob]()
	m[gvk("policy", "v1", "PodDisruptionBudget")] = whole[policyv1.PodDisruptionBudget]()
	m[gvk("autoscaling", "v2", "HorizontalPodAutoscaler")] = whole[autoscalingv2.HorizontalPodAutoscaler]()
	m[gvk("cert-manager.io", "v1", "Certificate")] = whole[cmapi.Certificate]()
}

// addGatewayAPI adds the Gateway API kinds the rules judge, at every version
// sigs.k8s.io/gateway-api v1.6 serves: the standard channel serves Gateway,
// HTTPRoute and ReferenceGrant at v1 and v1beta1, GRPCRoute, TLSRoute and
// ListenerSet at v1; the experimental channel also serves TLSRoute v1alpha2
// and v1alpha3, which istiod reads through v1 (its informer,
// pilot/pkg/config/kube/gateway/controller.go). The older versions' Go types
// are conversions of v1 with the same JSON schema, so every version decodes
// into the v1 type (the Body the rules expect), as the API server stores it:
// JSON field names only, unknown fields dropped and reported (IGR002).
func addGatewayAPI(m map[schema.GroupVersionKind]kindInfo) {
	const g = "gateway.networking.k8s.io"
	for _, v := range []string{"v1", "v1beta1"} {
		m[gvk(g, v, "Gateway")] = crdKind[gatewayv1.Gateway]()
		m[gvk(g, v, "HTTPRoute")] = crdKind[gatewayv1.HTTPRoute]()
		m[gvk(g, v, "ReferenceGrant")] = crdKind[gatewayv1.ReferenceGrant]()
	}
	m[gvk(g, "v1", "ListenerSet")] = crdKind[gatewayv1.ListenerSet]()
	m[gvk(g, "v1", "GRPCRoute")] = crdKind[gatewayv1.GRPCRoute]()
	for _, v := range []string{"v1", "v1alpha2", "v1alpha3"} {
		m[gvk(g, v, "TLSRoute")] = crdKind[gatewayv1.TLSRoute]()
	}
}

// clusterScoped lists the common cluster-scoped kinds, which get no default
// namespace. Unknown kinds are assumed namespaced (the usual case).
var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}:        true,
	{Kind: "Node"}:             true,
	{Kind: "PersistentVolume"}: true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                       true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:               true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:   true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}: true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:      true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                 true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                             true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                              true,
	{Group: "gateway.networking.k8s.io", Kind: "GatewayClass"}:                      true,
	{Group: "cert-manager.io", Kind: "ClusterIssuer"}:                               true,
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                           true,
	// Values documents are not Kubernetes objects at all.
	{Group: "istio-guardrail.io", Kind: "IstiodValues"}:  true,
	{Group: "istio-guardrail.io", Kind: "GatewayValues"}: true,
}
