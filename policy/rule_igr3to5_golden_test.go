package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestRules2Golden runs the engine with default settings over the manifests in
// testdata/igr[345]*.yaml and compares every finding with the .golden file next
// to each (UPDATE_GOLDEN=1 rewrites them). Objects named hardened-* must raise
// nothing, every rule of IGR3xx-IGR5xx must appear in some golden file, and a
// golden file without its manifest is stale.
func TestRules2Golden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "igr[345]*.yaml"))
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
			got := goldenFindings(t, e, in, seen)
			compareGolden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
	for _, r := range append(append(gatewayRules(), authorizationRules()...), sidecarRules()...) {
		if !seen[r.ID] {
			t.Errorf("%s has no golden case in testdata/igr[345]*.yaml", r.ID)
		}
	}
	stale, _ := filepath.Glob(filepath.Join("testdata", "igr[345]*.golden"))
	for _, g := range stale {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("stale golden file %s: its manifest is gone", g)
		}
	}
}

// goldenFindings validates every object of the file and renders the findings,
// one "action finding" line each, recording the rule IDs seen.
func goldenFindings(t *testing.T, e *Engine, file string, seen map[string]bool) string {
	t.Helper()
	var b strings.Builder
	for _, obj := range loadRules2Manifests(t, file) {
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

// compareGolden compares got with the golden file, or rewrites it.
func compareGolden(t *testing.T, golden, got string) {
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
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	var out []*Object
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
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
