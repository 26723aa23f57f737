package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/golang/protobuf/jsonpb" //nolint:staticcheck // Istio's own spec decoder, the oracle
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"
	extensionsapi "istio.io/api/extensions/v1alpha1"
	networkingapi "istio.io/api/networking/v1alpha3"
	networkingv1beta1api "istio.io/api/networking/v1beta1"
	securityapi "istio.io/api/security/v1beta1"
	telemetryapi "istio.io/api/telemetry/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// The one rule-test harness. A case is keyed by its description and holds a
// document in YAML: the spec for Istio kinds, the whole object for
// Kubernetes kinds, the values tree for IstioOperator and Helm values. The
// document is decoded strictly, as the API server would store it and Istio
// read it (YAML 1.1 via sigs.k8s.io/yaml, CRD JSON names only, Go-style
// durations through Istio's own decoder): a typo in a test fails the test
// instead of silently testing nothing. Every violation's text is checked the
// same way for every rule (checkViolationText).

// ruleCase is one row of a rule table.
type ruleCase struct {
	// kind of doc; empty means the rule's only target.
	kind Kind
	doc  string
	// namespace of the object; empty means testObject's default.
	namespace string
	// ns are the namespace labels known to the context.
	ns map[string]map[string]string
	// params override the rule's defaults.
	params Params
	// routes, when set, are the Gateway API routes of the input (Context.Routes), as
	// YAML documents separated by "---"; "---" alone is an input without any.
	routes string
	// want are the violations, as "field" or "field (advisory)", any order
	// unless ordered.
	want []string
	// ordered: want is also the order the rule must report them in.
	ordered bool
	// istio is the Istio release judged ("1.26"); empty is the default.
	istio string
}

// runRuleTable runs r.Check over every case, in description order.
func runRuleTable(t *testing.T, r *Rule, cases map[string]ruleCase) {
	t.Helper()
	descs := make([]string, 0, len(cases))
	for d := range cases {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, desc := range descs {
		tc := cases[desc]
		t.Run(desc, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				if len(r.Targets) != 1 {
					t.Fatalf("%s targets %v: the case must name its kind", r.ID, r.Targets)
				}
				kind = r.Targets[0]
			}
			obj := testObject(t, kind, tc.doc)
			if tc.namespace != "" {
				obj.Meta.Namespace = tc.namespace
			}
			v, err := ParseIstioVersion(tc.istio)
			if err != nil {
				t.Fatal(err)
			}
			ctx := &Context{istio: v}
			if tc.ns != nil {
				ctx.Namespaces = NamespaceLabels(tc.ns)
			}
			if tc.routes != "" {
				ctx.Routes = testRoutes(t, tc.routes)
			}
			got := renderViolations(checkViolationsIn(t, ctx, r, obj, tc.params))
			want := slices.Clone(tc.want)
			if !tc.ordered {
				sort.Strings(got)
				sort.Strings(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s violations:\n got %q\nwant %q", r.ID, got, want)
			}
		})
	}
}

// checkViolations runs r on obj with its default parameters overridden by
// over and returns the violations in the order reported, each held to
// checkViolationText.
func checkViolations(t *testing.T, r *Rule, obj *Object, ns map[string]map[string]string, over Params) []Violation {
	t.Helper()
	ctx := &Context{}
	if ns != nil {
		ctx.Namespaces = NamespaceLabels(ns)
	}
	return checkViolationsIn(t, ctx, r, obj, over)
}

// checkViolationsIn is checkViolations under a given Context.
func checkViolationsIn(t *testing.T, ctx *Context, r *Rule, obj *Object, over Params) []Violation {
	t.Helper()
	p, err := effectiveParams("rule "+r.ID, r.Params, over)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	vs := r.Check(ctx, obj, p)
	for _, v := range vs {
		checkViolationText(t, v)
	}
	return vs
}

// testRoutes decodes HTTPRoute, GRPCRoute and TLSRoute documents strictly
// into a GatewayRoutes.
func testRoutes(t *testing.T, docs string) *GatewayRoutes {
	t.Helper()
	out := &GatewayRoutes{}
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(strings.Trim(doc, "-")) == "" {
			continue
		}
		switch {
		case strings.Contains(doc, "kind: GRPCRoute"):
			rt := &gatewayv1.GRPCRoute{}
			strictYAML(t, doc, rt)
			out.GRPCRoutes = append(out.GRPCRoutes, rt)
		case strings.Contains(doc, "kind: TLSRoute"):
			rt := &gatewayv1.TLSRoute{}
			strictYAML(t, doc, rt)
			out.TLSRoutes = append(out.TLSRoutes, rt)
		default:
			rt := &gatewayv1.HTTPRoute{}
			strictYAML(t, doc, rt)
			out.HTTPRoutes = append(out.HTTPRoutes, rt)
		}
	}
	return out
}

// defaults returns the default parameters of s (nil: none).
func defaults(s ParamSet) Params {
	if s == nil {
		return nil
	}
	return s.New()
}

// paramsWith returns the default parameters of type P (a rule or mutator
// declaring P holds them; rules that share P share its defaults), changed by
// edit.
func paramsWith[P any](edit func(p *P)) Params {
	var sets []ParamSet
	for _, r := range Catalogue() {
		sets = append(sets, r.Params)
	}
	for _, m := range Mutators() {
		sets = append(sets, m.Params)
	}
	for _, s := range sets {
		if s == nil {
			continue
		}
		if p, ok := s.New().(*P); ok {
			edit(p)
			return p
		}
	}
	panic(fmt.Sprintf("no rule or mutator has parameters %T", new(P)))
}

// renderViolations renders each violation as "field" or "field (advisory)".
func renderViolations(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		s := v.Path.String()
		if v.Advisory {
			s += " (advisory)"
		}
		out = append(out, s)
	}
	return out
}

// checkRuleNil checks that r.Check survives, for each Istio kind it targets,
// a nil body, a body of another type, a typed-nil spec, objects without
// metadata and a nil Context, reporting nothing on a body that is not a spec.
func checkRuleNil(t *testing.T, r *Rule) {
	t.Helper()
	p := defaults(r.Params)
	for _, kind := range r.Targets {
		newSpec, ok := istioSpecs[kind]
		if !ok {
			t.Fatalf("checkRuleNil: %s targets %s, not an Istio kind", r.ID, kind)
		}
		gk := kind.GroupKind()
		typedNil := reflect.Zero(reflect.TypeOf(newSpec())).Interface()
		for desc, obj := range map[string]*Object{
			"nil body":       {GroupKind: gk},
			"foreign body":   {GroupKind: gk, Body: "not a spec"},
			"typed nil spec": {GroupKind: gk, Body: typedNil},
			"typed nil spec in namespace": {GroupKind: gk, Body: typedNil,
				Meta: &metav1.ObjectMeta{Namespace: "istio-system", Name: "default"}},
		} {
			t.Run(string(kind)+"/"+desc, func(t *testing.T) {
				got := r.Check(nil, obj, p)
				if _, isSpec := obj.Body.(proto.Message); !isSpec && len(got) != 0 {
					t.Errorf("%s reported %d violations on a body that is not its spec", r.ID, len(got))
				}
				for _, v := range got {
					checkViolationText(t, v)
				}
			})
		}
	}
}

// engineActions validates obj with the default engine and returns the
// actions of the findings of rule id, keyed by field.
func engineActions(t *testing.T, obj *Object, id string) map[string]Action {
	t.Helper()
	e, err := NewEngine(Settings{})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	out := map[string]Action{}
	for _, f := range e.Validate(&Context{}, obj).Findings {
		if f.Rule == id {
			out[f.Field] = f.Action
		}
	}
	return out
}

// engineFindings validates obj with the default engine under ctx and returns
// "RULE field action" for the findings of the rules named in ids, in the
// order the engine reports them.
func engineFindings(t *testing.T, ctx *Context, obj *Object, ids ...string) []string {
	t.Helper()
	e, err := NewEngine(Settings{})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	var out []string
	for _, f := range e.Validate(ctx, obj).Findings {
		if slices.Contains(ids, f.Rule) {
			out = append(out, f.Rule+" "+f.Field+" "+string(f.Action))
		}
	}
	return out
}

// goldenDocument is the envelope of one Istio manifest document.
type goldenDocument struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
}

// loadGoldenManifests decodes the documents of a multi-document YAML file as
// testObject does, strictly (an Istio kind's envelope too): a test-only
// stand-in for the manifest decoder, so golden cases depend on the engine
// alone and a typo in the testdata fails instead of testing nothing.
func loadGoldenManifests(t *testing.T, file string) []*Object {
	t.Helper()
	var out []*Object
	for i, doc := range yamlDocuments(t, file) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		gv, err := schema.ParseGroupVersion(tm.APIVersion)
		if err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		kind := KindOf(gv.WithKind(tm.Kind).GroupKind())
		newSpec, ok := istioSpecs[kind]
		if !ok {
			obj := testObject(t, kind, doc)
			obj.Version = gv.Version
			if _, untyped := obj.Body.(map[string]any); untyped {
				// An IstioOperator is a map whose metadata is its own, as
				// the manifest decoder reads it, not testObject's default.
				var head struct {
					Metadata metav1.ObjectMeta `json:"metadata"`
				}
				if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
					t.Fatalf("%s document %d: %v", file, i, err)
				}
				obj.Meta = &head.Metadata
			}
			out = append(out, obj)
			continue
		}
		var d goldenDocument
		if err := yaml.UnmarshalStrict([]byte(doc), &d); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		var spec proto.Message = newSpec()
		if len(d.Spec) > 0 {
			spec = strictSpec(t, spec, string(d.Spec))
		}
		meta := d.Metadata
		out = append(out, &Object{GroupKind: kind.GroupKind(), Version: gv.Version, Meta: &meta, Body: spec})
	}
	return out
}

// checkViolationText holds every rule's messages to one standard: a field, a
// message that starts lowercase and is short enough for a finding to fit in
// about 120 characters, and a fix, when given, that names the field it fixes.
func checkViolationText(t *testing.T, v Violation) {
	t.Helper()
	switch {
	case v.Path == nil || v.Path.String() == "":
		t.Errorf("violation without a field: %+v", v)
	case v.Message == "":
		t.Errorf("violation at %s has no message", v.Path)
	case strings.ToLower(v.Message[:1]) != v.Message[:1]:
		t.Errorf("message must start lowercase: %q", v.Message)
	case len(v.Message) > 80:
		t.Errorf("message is %d characters, want <= 80: %q", len(v.Message), v.Message)
	}
	leaf := fieldLeaf(v.Path.String())
	if v.Fix != "" && !strings.Contains(v.Fix, leaf) {
		t.Errorf("fix %q does not name the field %q it fixes", v.Fix, leaf)
	}
}

// fieldLeaf returns the last name of a field path without index or key:
// "spec.portLevelMtls[80].mode" -> "mode".
func fieldLeaf(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 && !strings.Contains(path[i:], ".") {
		path = path[:i]
	}
	leaf := path[strings.LastIndex(path, ".")+1:]
	if i := strings.IndexByte(leaf, '['); i >= 0 {
		leaf = leaf[:i]
	}
	return leaf
}

// istioSpecs makes the istio.io/api spec message of each Istio kind.
var istioSpecs = map[Kind]func() proto.Message{
	KindPeerAuthentication:    func() proto.Message { return &securityapi.PeerAuthentication{} },
	KindRequestAuthentication: func() proto.Message { return &securityapi.RequestAuthentication{} },
	KindAuthorizationPolicy:   func() proto.Message { return &securityapi.AuthorizationPolicy{} },
	KindDestinationRule:       func() proto.Message { return &networkingapi.DestinationRule{} },
	KindGateway:               func() proto.Message { return &networkingapi.Gateway{} },
	KindSidecar:               func() proto.Message { return &networkingapi.Sidecar{} },
	KindVirtualService:        func() proto.Message { return &networkingapi.VirtualService{} },
	KindEnvoyFilter:           func() proto.Message { return &networkingapi.EnvoyFilter{} },
	KindServiceEntry:          func() proto.Message { return &networkingapi.ServiceEntry{} },
	KindTelemetry:             func() proto.Message { return &telemetryapi.Telemetry{} },
	KindWasmPlugin:            func() proto.Message { return &extensionsapi.WasmPlugin{} },
	KindProxyConfig:           func() proto.Message { return &networkingv1beta1api.ProxyConfig{} },
}

// testObject decodes doc strictly into the Body the decoder produces for kind.
func testObject(t *testing.T, kind Kind, doc string) *Object {
	t.Helper()
	obj := &Object{GroupKind: kind.GroupKind(), Version: "v1"}
	if newSpec, ok := istioSpecs[kind]; ok {
		obj.Body = strictSpec(t, newSpec(), doc)
		obj.Meta = &metav1.ObjectMeta{Namespace: "apps", Name: "test"}
		return obj
	}
	switch kind {
	case KindIstioOperator, KindIstiodValues, KindGatewayValues:
		m := map[string]any{}
		strictYAML(t, doc, &m)
		obj.Body = m
		obj.Meta = &metav1.ObjectMeta{Namespace: "istio-system", Name: "prod"}
		return obj
	}
	typed := newTypedObject(t, kind, "testObject")
	strictYAML(t, doc, typed)
	obj.Body, obj.Meta = typed, typed.GetObjectMeta().(*metav1.ObjectMeta)
	return obj
}

// newTypedObject returns an empty typed object of a Kubernetes or Gateway
// API kind for the test decoders (testObject, clusterObject).
func newTypedObject(t *testing.T, kind Kind, caller string) interface{ GetObjectMeta() metav1.Object } {
	t.Helper()
	switch kind {
	case KindPod:
		return &corev1.Pod{}
	case KindNamespace:
		return &corev1.Namespace{}
	case KindConfigMap:
		return &corev1.ConfigMap{}
	case KindDeployment:
		return &appsv1.Deployment{}
	case KindStatefulSet:
		return &appsv1.StatefulSet{}
	case KindDaemonSet:
		return &appsv1.DaemonSet{}
	case KindReplicaSet:
		return &appsv1.ReplicaSet{}
	case KindJob:
		return &batchv1.Job{}
	case KindCronJob:
		return &batchv1.CronJob{}
	case KindPDB:
		return &policyv1.PodDisruptionBudget{}
	case KindHPA:
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case KindCertificate:
		return &cmapi.Certificate{}
	case KindGatewayAPIGateway:
		return &gatewayv1.Gateway{}
	case KindListenerSet:
		return &gatewayv1.ListenerSet{}
	case KindHTTPRoute:
		return &gatewayv1.HTTPRoute{}
	case KindReferenceGrant:
		return &gatewayv1.ReferenceGrant{}
	case KindService:
		return &corev1.Service{}
	case KindNetworkPolicy:
		return &networkingv1.NetworkPolicy{}
	case KindMutatingWebhook:
		return &admissionregistrationv1.MutatingWebhookConfiguration{}
	}
	t.Fatalf("%s: unsupported kind %s", caller, kind)
	return nil
}

// strictYAML decodes YAML (1.1, as kubectl) strictly: unknown or duplicate
// fields fail the test.
func strictYAML(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("decode test document: %v\n%s", err, doc)
	}
}

// strictSpec decodes an Istio spec as the API server stores it and Istio
// reads it, failing the test on any field the CRD schema does not define.
func strictSpec(t *testing.T, spec proto.Message, doc string) proto.Message {
	t.Helper()
	if strings.TrimSpace(doc) == "" {
		return spec
	}
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("spec YAML: %v", err)
	}
	var tree any
	if err := json.Unmarshal(js, &tree); err != nil {
		t.Fatal(err)
	}
	if bad := unknownJSONNames(tree, spec.ProtoReflect().Descriptor(), "spec"); len(bad) > 0 {
		t.Fatalf("test spec has fields the CRD schema lacks: %v\n%s", bad, doc)
	}
	if err := protojson.Unmarshal(js, spec); err == nil {
		return spec
	}
	proto.Reset(spec)
	if err := (&jsonpb.Unmarshaler{}).Unmarshal(strings.NewReader(string(js)), protoadapt.MessageV1Of(spec)); err != nil {
		t.Fatalf("decode test spec with Istio's decoder: %v\n%s", err, doc)
	}
	return spec
}

// unknownJSONNames returns the paths in tree that are not JSON field names of md.
func unknownJSONNames(tree any, md protoreflect.MessageDescriptor, path string) []string {
	m, ok := tree.(map[string]any)
	if !ok || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return nil
	}
	var bad []string
	for k, v := range m {
		fd := md.Fields().ByJSONName(k)
		if fd == nil {
			bad = append(bad, path+"."+k)
			continue
		}
		if fd.Message() == nil {
			continue
		}
		switch {
		case fd.IsMap():
			if mv, ok := v.(map[string]any); ok && fd.MapValue().Message() != nil {
				for key, e := range mv {
					bad = append(bad, unknownJSONNames(e, fd.MapValue().Message(), path+"."+k+"["+key+"]")...)
				}
			}
		case fd.IsList():
			if l, ok := v.([]any); ok {
				for _, e := range l {
					bad = append(bad, unknownJSONNames(e, fd.Message(), path+"."+k+"[]")...)
				}
			}
		default:
			bad = append(bad, unknownJSONNames(v, fd.Message(), path+"."+k)...)
		}
	}
	return bad
}
