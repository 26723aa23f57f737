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

// TestRules3Golden runs the golden cases of IGR601-IGR613 and IGR701-IGR706
// (testdata/igr[67]*.yaml; see runRuleGolden). Files whose name contains
// "-hardened" must raise nothing and have no golden file. Files named
// igr6-values-istiod-<name>.yaml and igr6-values-gateway-<name>.yaml are Helm
// values files, as `check --values-for istiod|gateway` reads them.
func TestRules3Golden(t *testing.T) {
	runRuleGolden(t, ruleGolden{
		glob:     "igr[67]*",
		rules:    append(controlPlaneRules(), workloadRules()...),
		load:     r3LoadManifests,
		noGolden: func(file string) bool { return strings.Contains(filepath.Base(file), "-hardened") },
	})
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
