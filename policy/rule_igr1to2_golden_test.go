package policy

import "testing"

// TestRules1Golden runs the golden cases of IGR1xx-IGR2xx
// (testdata/igr[12]*.yaml; see runRuleGolden).
func TestRules1Golden(t *testing.T) {
	runRuleGolden(t, ruleGolden{glob: "igr[12]*", rules: rulesBetween(t, "IGR101", "IGR204"), load: loadGoldenManifests})
}
