package policy

import (
	"encoding/json"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestRules2Golden runs the golden cases of IGR3xx-IGR5xx
// (testdata/igr[345]*.yaml; see runRuleGolden).
func TestRules2Golden(t *testing.T) {
	rules := append(append(gatewayRules(), authorizationRules()...), sidecarRules()...)
	runRuleGolden(t, ruleGolden{glob: "igr[345]*", rules: rules, load: loadRules2Manifests})
}

// rules2Document is the envelope of one manifest document.
type rules2Document struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
}

// loadRules2Manifests decodes the Gateway, AuthorizationPolicy and Sidecar
// documents of a multi-document YAML file: a test-only stand-in for the
// manifest decoder, so these golden cases depend on the engine alone.
func loadRules2Manifests(t *testing.T, file string) []*Object {
	t.Helper()
	var out []*Object
	for i, doc := range yamlDocuments(t, file) {
		var d rules2Document
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		out = append(out, rules2Object(t, d))
	}
	return out
}

// rules2Object builds the Object of one decoded document.
func rules2Object(t *testing.T, d rules2Document) *Object {
	t.Helper()
	gv, err := schema.ParseGroupVersion(d.APIVersion)
	if err != nil {
		t.Fatalf("%s: %v", d.Metadata.Name, err)
	}
	var body any
	switch d.Kind {
	case "Gateway":
		body = &networkingapi.Gateway{}
	case "Sidecar":
		body = &networkingapi.Sidecar{}
	case "AuthorizationPolicy":
		body = &securityapi.AuthorizationPolicy{}
	default:
		t.Fatalf("%s: unexpected kind %q", d.Metadata.Name, d.Kind)
	}
	if len(d.Spec) > 0 {
		if err := json.Unmarshal(d.Spec, body); err != nil {
			t.Fatalf("%s %s spec: %v", d.Kind, d.Metadata.Name, err)
		}
	}
	meta := d.Metadata
	return &Object{GroupKind: gv.WithKind(d.Kind).GroupKind(), Version: gv.Version, Meta: &meta, Body: body}
}
