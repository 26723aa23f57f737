package policy

import (
	"slices"
	"sort"
	"strings"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Helpers shared by the tests of IGR601-IGR613 and IGR701-IGR706.

// r3Case is one row of a rule table test: a document of the given kind and
// the fields of the violations the rule must report (rendered by r3Render).
type r3Case struct {
	kind   Kind
	doc    string
	ns     map[string]map[string]string // namespace labels known to the context
	params Params                       // overrides of the rule's defaults
	want   []string
}

// r3Object decodes doc into the Body the decoder would produce for kind:
// a map for IstioOperator and Helm values, the istio.io/api spec for Istio
// kinds (doc is the spec), and the typed object for Kubernetes kinds and
// cert-manager Certificates. Decoding is strict so typos fail the test.
func r3Object(t *testing.T, kind Kind, doc string) *Object {
	t.Helper()
	obj := &Object{GroupKind: kind.GroupKind(), Version: "v1"}
	switch kind {
	case KindIstioOperator, KindIstiodValues, KindGatewayValues:
		m := map[string]any{}
		r3Unmarshal(t, doc, &m)
		obj.Body = m
		obj.Meta = &metav1.ObjectMeta{Namespace: "istio-system", Name: "prod"}
	case KindVirtualService, KindEnvoyFilter:
		obj.Body = r3Spec(t, kind, doc)
		obj.Meta = &metav1.ObjectMeta{Namespace: "apps", Name: "test"}
	default:
		obj.Body, obj.Meta = r3Typed(t, kind, doc)
	}
	return obj
}

// r3Unmarshal decodes YAML strictly.
func r3Unmarshal(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("decode test document: %v", err)
	}
}

// r3Spec decodes an Istio spec with protojson (rejects unknown fields).
func r3Spec(t *testing.T, kind Kind, doc string) proto.Message {
	t.Helper()
	var spec proto.Message = &networkingapi.VirtualService{}
	if kind == KindEnvoyFilter {
		spec = &networkingapi.EnvoyFilter{}
	}
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("spec yaml: %v", err)
	}
	if err := protojson.Unmarshal(js, spec); err != nil {
		t.Fatalf("spec %s: %v", kind, err)
	}
	return spec
}

// r3Typed decodes a Kubernetes or cert-manager object and returns it with its metadata.
func r3Typed(t *testing.T, kind Kind, doc string) (any, *metav1.ObjectMeta) {
	t.Helper()
	switch kind {
	case KindPod:
		o := &corev1.Pod{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	case KindNamespace:
		o := &corev1.Namespace{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	case KindConfigMap:
		o := &corev1.ConfigMap{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	case KindDeployment:
		o := &appsv1.Deployment{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	case KindCronJob:
		o := &batchv1.CronJob{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	case KindCertificate:
		o := &cmapi.Certificate{}
		r3Unmarshal(t, doc, o)
		return o, &o.ObjectMeta
	}
	t.Fatalf("r3Typed: unsupported kind %s", kind)
	return nil, nil
}

// r3Render renders a violation as its field, with " (advisory)" appended
// when it is capped at warn.
func r3Render(v Violation) string {
	if v.Advisory {
		return v.Field + " (advisory)"
	}
	return v.Field
}

// r3Run runs r.Check over each case (in description order) and compares the
// reported fields, sorted. It also checks that messages are short.
func r3Run(t *testing.T, r *Rule, cases map[string]r3Case) {
	t.Helper()
	descs := make([]string, 0, len(cases))
	for d := range cases {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, desc := range descs {
		tc := cases[desc]
		t.Run(desc, func(t *testing.T) {
			got := r3Fields(t, r, r3Object(t, tc.kind, tc.doc), tc.ns, tc.params)
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s violations:\n got %q\nwant %q", r.ID, got, want)
			}
		})
	}
}

// r3Fields runs r.Check and returns the rendered violations, sorted.
func r3Fields(t *testing.T, r *Rule, obj *Object, ns map[string]map[string]string, over Params) []string {
	t.Helper()
	p, err := merge("rule "+r.ID, r.Params, over)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	ctx := &Context{}
	if ns != nil {
		ctx.Namespaces = NamespaceLabels(ns)
	}
	var got []string
	for _, v := range r.Check(ctx, obj, p) {
		r3CheckText(t, v)
		got = append(got, r3Render(v))
	}
	sort.Strings(got)
	return got
}

// r3CheckText fails on an empty message, a message starting with a capital
// letter, or one so long that a finding cannot fit in about 120 characters.
func r3CheckText(t *testing.T, v Violation) {
	t.Helper()
	switch {
	case v.Message == "":
		t.Errorf("violation at %s has no message", v.Field)
	case strings.ToLower(v.Message[:1]) != v.Message[:1]:
		t.Errorf("message must start lowercase: %q", v.Message)
	case len(v.Message) > 72 && !strings.HasPrefix(v.Message, "is not valid YAML"):
		t.Errorf("message is %d characters, want <= 72: %q", len(v.Message), v.Message)
	}
}

// r3EngineFindings validates obj through the default engine and returns
// "RULE field action" for the findings of the rules named in ids.
func r3EngineFindings(t *testing.T, ctx *Context, obj *Object, ids ...string) []string {
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
