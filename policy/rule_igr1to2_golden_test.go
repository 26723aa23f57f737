package policy

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestRules1Golden runs the golden cases of IGR1xx-IGR2xx
// (testdata/igr[12]*.yaml; see runRuleGolden).
func TestRules1Golden(t *testing.T) {
	runRuleGolden(t, ruleGolden{glob: "igr[12]*", rules: append(securityRules(), destinationRuleRules()...), load: rules1LoadManifests})
}

// rules1Document is the envelope of one manifest document.
type rules1Document struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
}

// rules1LoadManifests decodes the PeerAuthentication, RequestAuthentication
// and DestinationRule documents of a multi-document YAML file, strictly: a
// test-only stand-in for the manifest decoder, so these golden cases depend on
// the engine alone and a typo in the testdata fails instead of testing nothing.
func rules1LoadManifests(t *testing.T, file string) []*Object {
	t.Helper()
	var out []*Object
	for i, doc := range yamlDocuments(t, file) {
		var d rules1Document
		if err := yaml.UnmarshalStrict([]byte(doc), &d); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		out = append(out, rules1DocumentObject(t, d))
	}
	return out
}

// rules1DocumentObject builds the Object of one decoded document.
func rules1DocumentObject(t *testing.T, d rules1Document) *Object {
	t.Helper()
	gv, err := schema.ParseGroupVersion(d.APIVersion)
	if err != nil {
		t.Fatalf("%s: %v", d.Metadata.Name, err)
	}
	var body proto.Message
	switch d.Kind {
	case "PeerAuthentication":
		body = &securityapi.PeerAuthentication{}
	case "RequestAuthentication":
		body = &securityapi.RequestAuthentication{}
	case "DestinationRule":
		body = &networkingapi.DestinationRule{}
	default:
		t.Fatalf("%s: unexpected kind %q", d.Metadata.Name, d.Kind)
	}
	if len(d.Spec) > 0 {
		if err := protojson.Unmarshal(d.Spec, body); err != nil {
			t.Fatalf("%s %s spec: %v", d.Kind, d.Metadata.Name, err)
		}
	}
	meta := d.Metadata
	return &Object{GroupKind: gv.WithKind(d.Kind).GroupKind(), Version: gv.Version, Meta: &meta, Body: body}
}
