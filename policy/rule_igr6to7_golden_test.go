package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestRules3Golden runs the engine with default settings over the manifests in
// testdata/igr[67]*.yaml and compares the findings of IGR601-IGR613 and
// IGR701-IGR706 with the
// .golden file next to each (UPDATE_GOLDEN=1 rewrites them). Files whose name
// contains "-hardened" must raise nothing and have no golden file; every rule
// of the group must appear in some golden file; a golden file without its
// manifest is stale. Files named igr6-values-istiod-<name>.yaml and
// igr6-values-gateway-<name>.yaml are Helm values files, as
// `check --values-for istiod|gateway` reads them.
func TestRules3Golden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "igr[67]*.yaml"))
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
			got := r3GoldenFindings(t, e, in, seen)
			if strings.Contains(filepath.Base(in), "-hardened") {
				if got != "" {
					t.Errorf("hardened manifests raised findings:\n%s", got)
				}
				return
			}
			r3CompareGolden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
	for _, r := range append(controlPlaneRules(), workloadRules()...) {
		if !seen[r.ID] {
			t.Errorf("%s has no golden case in testdata/igr[67]*.yaml", r.ID)
		}
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "igr[67]*.golden"))
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("stale golden file %s: its manifest is gone", g)
		}
	}
}

// r3GoldenFindings validates every object of a file (Namespaces in the file
// feed the namespace lookup, as in `check`) and renders the findings of the
// rules of controlPlaneRules and workloadRules, one "action finding" line each.
func r3GoldenFindings(t *testing.T, e *Engine, file string, seen map[string]bool) string {
	t.Helper()
	objs := r3LoadManifests(t, file)
	ns := NamespaceLabels{}
	for _, o := range objs {
		if KindOf(o.GroupKind) == KindNamespace {
			ns[o.Meta.Name] = o.Meta.Labels
		}
	}
	mine := map[string]bool{}
	for _, r := range append(controlPlaneRules(), workloadRules()...) {
		mine[r.ID] = true
	}
	var b strings.Builder
	for _, obj := range objs {
		for _, f := range e.Validate(&Context{Namespaces: ns}, obj).Findings {
			if !mine[f.Rule] {
				continue
			}
			seen[f.Rule] = true
			b.WriteString(string(f.Action) + " " + f.String() + "\n")
		}
	}
	return b.String()
}

// r3CompareGolden compares got with the golden file, or rewrites it.
func r3CompareGolden(t *testing.T, golden, got string) {
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

// r3ValuesFile matches the names of Helm values test files.
var r3ValuesFile = regexp.MustCompile(`^igr6-values-(istiod|gateway)-(.+)\.yaml$`)

// r3LoadManifests decodes a test file: a Helm values file as one document, or
// a multi-document manifest file. It is a test-only stand-in for the manifest
// decoder, so these golden cases depend on the engine alone.
func r3LoadManifests(t *testing.T, file string) []*Object {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	if m := r3ValuesFile.FindStringSubmatch(filepath.Base(file)); m != nil {
		kind := KindIstiodValues
		if m[1] == "gateway" {
			kind = KindGatewayValues
		}
		obj := r3Object(t, kind, string(data))
		obj.Meta = &metav1.ObjectMeta{Name: m[2]}
		return []*Object{obj}
	}
	var out []*Object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(doc) != "" {
			out = append(out, r3Document(t, doc))
		}
	}
	return out
}

// r3Document builds the Object of one manifest document.
func r3Document(t *testing.T, doc string) *Object {
	t.Helper()
	var env struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
		Spec       any               `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(doc), &env); err != nil {
		t.Fatalf("decode document: %v", err)
	}
	gv, err := schema.ParseGroupVersion(env.APIVersion)
	if err != nil {
		t.Fatalf("%s: %v", env.Metadata.Name, err)
	}
	kind := KindOf(gv.WithKind(env.Kind).GroupKind())
	body := doc
	if kind == KindVirtualService || kind == KindEnvoyFilter {
		spec, err := yaml.Marshal(env.Spec)
		if err != nil {
			t.Fatalf("%s spec: %v", env.Metadata.Name, err)
		}
		body = string(spec)
	}
	obj := r3Object(t, kind, body)
	obj.Version = gv.Version
	if kind == KindIstioOperator || kind == KindVirtualService || kind == KindEnvoyFilter {
		meta := env.Metadata
		obj.Meta = &meta
	}
	return obj
}
