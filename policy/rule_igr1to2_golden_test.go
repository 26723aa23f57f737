package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestRules1Golden runs the default engine over testdata/igr[12]*.yaml and
// compares the findings with the .golden file next to each manifest
// (UPDATE_GOLDEN=1 rewrites them). Objects named hardened-* must raise
// nothing, every rule of IGR1xx-IGR2xx must appear, and a golden file whose
// manifest is gone is stale.
func TestRules1Golden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "igr[12]*.yaml"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	e, err := NewEngine(Settings{})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			got := rules1GoldenFindings(t, e, in, seen)
			rules1CompareGolden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
	for _, r := range append(securityRules(), destinationRuleRules()...) {
		if !seen[r.ID] {
			t.Errorf("%s has no golden case in testdata/igr[12]*.yaml", r.ID)
		}
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "igr[12]*.golden"))
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("stale golden file %s: its manifest is gone", g)
		}
	}
}

// rules1GoldenFindings validates every object of file and renders one
// "action finding" line per finding, recording the rule IDs seen.
func rules1GoldenFindings(t *testing.T, e *Engine, file string, seen map[string]bool) string {
	t.Helper()
	var b strings.Builder
	for _, obj := range rules1LoadManifests(t, file) {
		for _, f := range e.Validate(&Context{}, obj).Findings {
			if strings.HasPrefix(obj.Meta.Name, "hardened-") {
				t.Errorf("hardened object %s raised %s", obj.Ref(), f)
			}
			seen[f.Rule] = true
			b.WriteString(string(f.Action) + " " + f.String() + "\n")
		}
	}
	return b.String()
}

// rules1CompareGolden compares got with the golden file, or rewrites it.
func rules1CompareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("findings differ from %s (UPDATE_GOLDEN=1 rewrites it)\n got:\n%s\nwant:\n%s", golden, got, want)
	}
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
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	var out []*Object
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
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
