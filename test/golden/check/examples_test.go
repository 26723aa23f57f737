package check

import (
	"sort"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

const examplesDir = "../../../examples"

// TestExamples keeps examples/ honest: the hardened manifests raise nothing
// and the unhardened ones (with the default Helm values) raise every rule.
func TestExamples(t *testing.T) {
	runs := []struct {
		desc     string
		args     []string
		wantCode int
	}{
		{"hardened manifests", []string{"-f", "hardened"}, 0},
		{"production istiod values", []string{"--values-for", "istiod", "-f", "helm-values/istiod/production.yaml"}, 0},
		{"production gateway values", []string{"--values-for", "gateway", "-f", "helm-values/gateway/production.yaml"}, 0},
		{"unhardened manifests", []string{"-f", "unhardened"}, 1},
		{"default istiod values", []string{"--values-for", "istiod", "-f", "helm-values/istiod/defaults.yaml"}, 1},
		{"default gateway values", []string{"--values-for", "gateway", "-f", "helm-values/gateway/defaults.yaml"}, 1},
	}
	raised := map[string]bool{}
	for _, r := range runs {
		res := runBinary(t, examplesDir, append([]string{"check", "-o", "json"}, r.args...)...)
		if res.code != r.wantCode {
			t.Errorf("%s: exit %d, want %d\n%s%s", r.desc, res.code, r.wantCode, res.stdout, res.stderr)
		}
		rules := ruleSet(t, res.stdout)
		if r.wantCode == 0 && rules != "" {
			t.Errorf("%s: raised %s, want nothing", r.desc, rules)
		}
		for _, id := range strings.Fields(rules) {
			raised[id] = true
		}
	}
	var missing []string
	for _, rule := range policy.Catalogue() {
		// Rules about what a cluster lacks cannot be raised by files; the
		// audit end-to-end test seeds a cluster for each of them.
		if !raised[rule.ID] && !policy.ClusterOnly(rule.ID) {
			missing = append(missing, rule.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no unhardened example raises %s: add one to examples/unhardened", strings.Join(missing, ", "))
	}
}
