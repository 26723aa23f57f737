package policy

import (
	"reflect"
	"sort"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// istioObject decodes specYAML into body (via the type's jsonpb UnmarshalJSON)
// and wraps it as an Object of kind k in namespace "shop".
func istioObject(t *testing.T, k Kind, body any, specYAML string) *Object {
	t.Helper()
	if err := yaml.Unmarshal([]byte(specYAML), body); err != nil {
		t.Fatalf("decode %s spec: %v\n%s", k, err, specYAML)
	}
	gk := k.GroupKind()
	return &Object{
		GroupKind: gk,
		Version:   "v1",
		Meta:      &metav1.ObjectMeta{Namespace: "shop", Name: "test"},
		Body:      body,
	}
}

// gatewayObject builds a Gateway from the YAML of its spec.
func gatewayObject(t *testing.T, specYAML string) *Object {
	return istioObject(t, KindGateway, &networkingapi.Gateway{}, specYAML)
}

// authzObject builds an AuthorizationPolicy from the YAML of its spec.
func authzObject(t *testing.T, specYAML string) *Object {
	return istioObject(t, KindAuthorizationPolicy, &securityapi.AuthorizationPolicy{}, specYAML)
}

// sidecarObject builds a Sidecar from the YAML of its spec.
func sidecarObject(t *testing.T, specYAML string) *Object {
	return istioObject(t, KindSidecar, &networkingapi.Sidecar{}, specYAML)
}

// runRule evaluates r on obj with its default parameters overridden by over.
func runRule(t *testing.T, r *Rule, obj *Object, over Params) []Violation {
	t.Helper()
	p, err := merge("rule "+r.ID, r.Params, over)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	return r.Check(&Context{}, obj, p)
}

// violationFields returns the sorted field paths of vs.
func violationFields(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Field)
	}
	sort.Strings(out)
	return out
}

// r2Case is one row of a rule's table test: the object spec and the field
// paths the rule must report (none for a miss).
type r2Case struct {
	spec   string
	params Params
	want   []string
}

// runRuleCases runs a table of cases, keyed by description, against r.
func runRuleCases(t *testing.T, r *Rule, build func(*testing.T, string) *Object, cases map[string]r2Case) {
	t.Helper()
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			got := violationFields(runRule(t, r, build(t, tc.spec), tc.params))
			want := append([]string{}, tc.want...)
			sort.Strings(want)
			if len(got) == 0 && len(want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s fields = %q, want %q", r.ID, got, want)
			}
		})
	}
}

// assertViolationsReadable checks what every violation must satisfy: a field
// path and a short message, so the rendered line stays readable.
func assertViolationsReadable(t *testing.T, r *Rule, vs []Violation) {
	t.Helper()
	for _, v := range vs {
		line := r.ID + " Gateway shop/test " + v.Text()
		if v.Field == "" || v.Message == "" {
			t.Errorf("%s violation without field or message: %+v", r.ID, v)
		}
		if len(line) > 130 {
			t.Errorf("%s line too long (%d): %s", r.ID, len(line), line)
		}
	}
}
