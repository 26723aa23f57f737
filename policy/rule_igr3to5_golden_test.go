package policy

import "testing"

// TestRules2Golden runs the golden cases of IGR3xx-IGR5xx
// (testdata/igr[345]*.yaml; see runRuleGolden).
func TestRules2Golden(t *testing.T) {
	rules := append(append(rulesBetween(t, "IGR301", "IGR306"), rulesBetween(t, "IGR401", "IGR405")...), rulesBetween(t, "IGR501", "IGR502")...)
	runRuleGolden(t, ruleGolden{glob: "igr[345]*", rules: rules, load: loadGoldenManifests})
}
