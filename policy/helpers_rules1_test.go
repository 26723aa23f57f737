package policy

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Helpers shared by the tests of IGR101-IGR103 and IGR201-IGR204.

// rules1Case is one row of a rule table test: a spec written in YAML and the
// violations the rule must report, rendered by rules1Render.
type rules1Case struct {
	desc      string
	namespace string // defaults to "apps"
	spec      string
	params    Params // overrides of the rule's defaults
	want      []string
}

// rules1Object decodes specYAML strictly into the istio.io/api spec type of
// kind, so a typo in a test fails instead of silently testing nothing.
func rules1Object(t *testing.T, kind Kind, namespace, specYAML string) *Object {
	t.Helper()
	var spec proto.Message
	switch kind {
	case KindPeerAuthentication:
		spec = &securityapi.PeerAuthentication{}
	case KindRequestAuthentication:
		spec = &securityapi.RequestAuthentication{}
	case KindDestinationRule:
		spec = &networkingapi.DestinationRule{}
	default:
		t.Fatalf("rules1Object: unsupported kind %s", kind)
	}
	if strings.TrimSpace(specYAML) != "" {
		js, err := yaml.YAMLToJSON([]byte(specYAML))
		if err != nil {
			t.Fatalf("spec yaml: %v", err)
		}
		if err := protojson.Unmarshal(js, spec); err != nil {
			t.Fatalf("spec %s: %v", kind, err)
		}
	}
	gk := kind.GroupKind()
	return &Object{
		GroupKind: gk,
		Version:   "v1",
		Meta:      &metav1.ObjectMeta{Namespace: namespace, Name: "test"},
		Body:      spec,
	}
}

// rules1Render renders a violation as its field, with " (advisory)" appended
// when it is capped at warn.
func rules1Render(v Violation) string {
	if v.Advisory {
		return v.Field + " (advisory)"
	}
	return v.Field
}

// rules1Params returns the rule's default parameters overridden by over.
func rules1Params(t *testing.T, r *Rule, over Params) Params {
	t.Helper()
	p, err := merge("rule "+r.ID, r.Params, over)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	return p
}

// rules1Run runs r.Check over each case and compares the reported fields. It
// also checks every violation has a message that fits in 120 characters.
func rules1Run(t *testing.T, r *Rule, kind Kind, cases []rules1Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			ns := tc.namespace
			if ns == "" {
				ns = "apps"
			}
			obj := rules1Object(t, kind, ns, tc.spec)
			var got []string
			for _, v := range r.Check(&Context{}, obj, rules1Params(t, r, tc.params)) {
				got = append(got, rules1Render(v))
				rules1CheckText(t, v)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s violations:\n got %q\nwant %q", r.ID, got, tc.want)
			}
		})
	}
}

// rules1CheckText fails when v has no message or a long one. Messages stay
// within 64 characters so that a top-level finding fits in 120; the deepest
// paths (subsets[i].trafficPolicy.portLevelSettings[j]...) cannot.
func rules1CheckText(t *testing.T, v Violation) {
	t.Helper()
	if v.Message == "" {
		t.Errorf("violation at %s has no message", v.Field)
	}
	if n := len(v.Message); n > 64 {
		t.Errorf("message is %d characters, want <= 64: %s", n, v.Message)
	}
	if n := len(v.Text()); len(v.Field) <= 50 && n > 120 {
		t.Errorf("violation text is %d characters, want <= 120: %s", n, v.Text())
	}
	if v.Fix == "" && !rules1UsesRemediation(v.Field) {
		t.Errorf("violation at %s has no specific fix", v.Field)
	}
	if leaf := rules1Leaf(v.Field); v.Fix != "" && !strings.Contains(v.Fix, leaf) {
		t.Errorf("fix %q does not name the field %q it fixes", v.Fix, leaf)
	}
}

// rules1UsesRemediation reports whether a violation at field may rely on the
// rule's remediation: only a missing top-level block, where the remediation
// lists everything the block needs.
func rules1UsesRemediation(field string) bool {
	switch field {
	case "spec.trafficPolicy.connectionPool", "spec.trafficPolicy.outlierDetection":
		return true
	}
	return false
}

// rules1Leaf returns the last element of a field path without its index or
// key: "spec.portLevelMtls[80].mode" -> "mode", "spec.subsets[0]" -> "subsets".
func rules1Leaf(path string) string {
	leaf := path[strings.LastIndex(path, ".")+1:]
	if i := strings.IndexByte(leaf, '['); i >= 0 {
		leaf = leaf[:i]
	}
	return leaf
}

// rules1Actions validates obj with the default engine and returns the actions
// of the findings of rule id, keyed by field.
func rules1Actions(t *testing.T, obj *Object, id string) map[string]Action {
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

// rules1Nil checks that r's Check survives bodies that are nil, of another
// type, or typed-nil specs, and objects without metadata.
func rules1Nil(t *testing.T, r *Rule, kind Kind, typedNil any) {
	t.Helper()
	gk := kind.GroupKind()
	p := rules1Params(t, r, nil)
	for desc, obj := range map[string]*Object{
		"nil body":       {GroupKind: gk},
		"foreign body":   {GroupKind: gk, Body: "not a spec"},
		"typed nil spec": {GroupKind: gk, Body: typedNil},
		"typed nil spec in namespace": {GroupKind: gk, Body: typedNil,
			Meta: &metav1.ObjectMeta{Namespace: "istio-system", Name: "default"}},
	} {
		t.Run(desc, func(t *testing.T) {
			got := r.Check(nil, obj, p)
			if _, isSpec := obj.Body.(proto.Message); !isSpec && len(got) != 0 {
				t.Errorf("%s reported %d violations on a body that is not its spec", r.ID, len(got))
			}
			for _, v := range got {
				rules1CheckText(t, v)
			}
		})
	}
}
