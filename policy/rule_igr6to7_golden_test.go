package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRules3Golden runs the golden cases of IGR601-IGR613 and IGR701-IGR706
// (testdata/igr[67]*.yaml; see runRuleGolden). Files whose name contains
// "-hardened" must raise nothing and have no golden file. Files named
// igr6-values-istiod-<name>.yaml and igr6-values-gateway-<name>.yaml are Helm
// values files, as `check --values-for istiod|gateway` reads them.
func TestRules3Golden(t *testing.T) {
	runRuleGolden(t, ruleGolden{
		glob:     "igr[67]*",
		rules:    append(rulesBetween(t, "IGR601", "IGR613"), rulesBetween(t, "IGR701", "IGR706")...),
		load:     loadGoldenValuesOrManifests,
		noGolden: func(file string) bool { return strings.Contains(filepath.Base(file), "-hardened") },
	})
}

// helmValuesFile matches the names of Helm values test files.
var helmValuesFile = regexp.MustCompile(`^igr6-values-(istiod|gateway)-(.+)\.yaml$`)

// loadGoldenValuesOrManifests decodes a test file: a Helm values file as one
// document named after the file, as testObject does, or a multi-document
// manifest file with loadGoldenManifests.
func loadGoldenValuesOrManifests(t *testing.T, file string) []*Object {
	t.Helper()
	m := helmValuesFile.FindStringSubmatch(filepath.Base(file))
	if m == nil {
		return loadGoldenManifests(t, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	kind := KindIstiodValues
	if m[1] == "gateway" {
		kind = KindGatewayValues
	}
	obj := testObject(t, kind, string(data))
	obj.Meta = &metav1.ObjectMeta{Name: m[2]}
	return []*Object{obj}
}
