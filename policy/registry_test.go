package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

var ruleID = regexp.MustCompile(`^IGR\d{3}$`)

// goldenDir holds the JSON outputs of the check golden corpus.
const goldenDir = "../test/golden/check/testdata/golden"

func TestRegistryRules(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, r := range Catalogue() {
		t.Run(r.ID, func(t *testing.T) {
			checks := []struct {
				desc string
				ok   bool
			}{
				{"ID matches IGR + 3 digits", ruleID.MatchString(r.ID)},
				{"ID is unique", !seen[r.ID]},
				{"catalogue is in ID order", r.ID > prev},
				{"IGR9xx is reserved for mutators", !strings.HasPrefix(r.ID, "IGR9")},
				{"title present", strings.TrimSpace(r.Title) != ""},
				{"description present", strings.TrimSpace(r.Description) != ""},
				{"remediation present", strings.TrimSpace(r.Remediation) != ""},
				{"Istio semantics named", strings.TrimSpace(r.Istio) != ""},
				{"default action valid", r.DefaultAction.Valid()},
				{"check function present", r.Check != nil},
				{"targets parse back", targetsRoundTrip(r.Targets)},
				{"exactly one of a CEL form and a reason for none", (r.CEL != nil) != (r.CELGap != "")},
				{"only cross-object rules (IGR8xx) evaluate the cluster", (r.Cluster == nil && !r.ClusterOnly) || strings.HasPrefix(r.ID, "IGR8")},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: %s", r.ID, c.desc)
				}
			}
			checkParams(t, r.ID, r.ParamSpecs())
		})
		seen[r.ID] = true
		prev = r.ID
	}
}

func TestRegistryMutators(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Catalogue() {
		seen[r.ID] = true
	}
	for _, m := range Mutators() {
		t.Run(m.ID, func(t *testing.T) {
			checks := []struct {
				desc string
				ok   bool
			}{
				{"ID is IGR9 + 2 digits", ruleID.MatchString(m.ID) && strings.HasPrefix(m.ID, "IGR9")},
				{"ID is unique across rules and mutators", !seen[m.ID]},
				{"title present", strings.TrimSpace(m.Title) != ""},
				{"description present", strings.TrimSpace(m.Description) != ""},
				{"apply function present", m.Apply != nil},
				{"has targets", len(m.Targets) > 0 && targetsRoundTrip(m.Targets)},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: %s", m.ID, c.desc)
				}
			}
			checkParams(t, m.ID, m.ParamSpecs())
		})
		seen[m.ID] = true
	}
}

// targetsRoundTrip reports whether every target is a well-formed Kind.
func targetsRoundTrip(kinds []Kind) bool {
	for _, k := range kinds {
		gk := k.GroupKind()
		if gk.Kind == "" || KindOf(gk) != k {
			return false
		}
	}
	return true
}

// checkParams checks names, descriptions and that quantity defaults parse.
func checkParams(t *testing.T, owner string, specs []ParamSpec) {
	t.Helper()
	names := map[string]bool{}
	for _, p := range specs {
		if p.Name == "" || names[p.Name] {
			t.Errorf("%s: parameter name %q empty or repeated", owner, p.Name)
		}
		names[p.Name] = true
		if strings.TrimSpace(p.Description) == "" {
			t.Errorf("%s: parameter %s has no description", owner, p.Name)
		}
		if p.Type == ParamQuantity {
			if _, err := resource.ParseQuantity(p.Default.(string)); err != nil {
				t.Errorf("%s: parameter %s default %q: %v", owner, p.Name, p.Default, err)
			}
		}
	}
}

// TestParamsMatchTheirRules hands every rule and mutator its declared
// defaults: the typed adapters (checkWith, applyWith, ...) assert the type on
// entry, so a rule whose check reads another parameter struct than it
// declares panics here, whatever the object.
func TestParamsMatchTheirRules(t *testing.T) {
	for _, r := range Catalogue() {
		for _, k := range append([]Kind{""}, r.Targets...) {
			r.Check(nil, &Object{GroupKind: k.GroupKind()}, defaults(r.Params))
		}
		if check, ok := clusterChecks()[r.ID]; ok {
			check(NewClusterIndex(true), defaults(r.Params))
		}
	}
	for _, m := range Mutators() {
		p := defaults(m.Params)
		obj := podObject(testPod("mesh"))
		if _, err := m.Apply(nil, obj, p); err != nil {
			t.Errorf("%s: apply on an empty object: %v", m.ID, err)
		}
		if m.Validate != nil {
			if err := m.Validate(p); err != nil {
				t.Errorf("%s: defaults do not validate: %v", m.ID, err)
			}
		}
		if m.Notes != nil {
			m.Notes(nil, obj, p)
		}
	}
}

func TestRegistryCatalogueIsACopy(t *testing.T) {
	first := Catalogue()
	id := first[0].ID
	first[0] = &Rule{ID: "IGR999"}
	if Catalogue()[0].ID != id {
		t.Fatal("mutating the slice returned by Catalogue changed the catalogue")
	}
	if _, err := NewEngine(Settings{}); err != nil {
		t.Fatalf("the default settings must compile: %v", err)
	}
}

// TestRegistryGoldenCoverage requires every rule to be raised by at least one
// case of the check golden corpus (test/golden/check), so each rule is
// exercised end to end through the built binary; a rule that concludes only
// over a whole cluster (ClusterOnly) must instead be in the exact
// findings of the audit end-to-end test.
func TestRegistryGoldenCoverage(t *testing.T) {
	covered := goldenRules(t)
	audited := auditE2ERules(t)
	var missing []string
	for _, r := range Catalogue() {
		if ClusterOnly(r.ID) {
			if !audited[r.ID] {
				missing = append(missing, r.ID+" (audit e2e)")
			}
			continue
		}
		if !covered[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	if len(missing) > 0 {
		t.Errorf("rules without a golden case in %s: %s (add an input under test/golden/check/testdata/cases and run make golden)",
			goldenDir, strings.Join(missing, ", "))
	}
}

// auditE2EFindings are the exact findings the posture end-to-end tests
// expect (audit, the DELETE guard), one "RULE Kind object field" a line.
const auditE2EFindings = "../test/e2e/testdata/audit/expected-*.txt"

// auditE2ERules returns the rule IDs of auditE2EFindings.
func auditE2ERules(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(auditE2EFindings)
	if err != nil || len(files) == 0 {
		t.Fatalf("no expected findings %s: %v", auditE2EFindings, err)
	}
	out := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 0 && ruleID.MatchString(f[0]) {
				out[f[0]] = true
			}
		}
	}
	return out
}

// goldenRules returns the rule IDs found in the golden JSON outputs.
func goldenRules(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden JSON files in %s: %v", goldenDir, err)
	}
	sort.Strings(files)
	out := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Findings []struct {
				Rule string `json:"rule"`
			} `json:"findings"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, fd := range rep.Findings {
			out[fd.Rule] = true
		}
	}
	return out
}

// TestSettingsParamsOfTheWrongType: the engine accepts for a rule only
// parameters of the type the rule declares, and none for a rule without.
func TestSettingsParamsOfTheWrongType(t *testing.T) {
	for desc, tc := range map[string]struct {
		rules map[string]RuleSettings
		want  string
	}{
		"another rule's struct": {map[string]RuleSettings{"IGR601": {Params: &IGR605Params{MinReplicas: 3}}}, "rule IGR601: parameters must be *policy.IGR601Params, got *policy.IGR605Params"},
		"a rule without any":    {map[string]RuleSettings{"IGR001": {Params: &IGR601Params{}}}, "rule IGR001 has no parameters, got *policy.IGR601Params"},
	} {
		if _, err := NewEngine(Settings{Rules: tc.rules}); err == nil || err.Error() != tc.want {
			t.Errorf("%s: err = %v, want %q", desc, err, tc.want)
		}
	}
	e, err := NewEngine(Settings{Rules: map[string]RuleSettings{"IGR601": {Params: (*IGR601Params)(nil)}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := e.Params("IGR601"); p.(*IGR601Params).MinReplicas != 3 {
		t.Errorf("a nil *IGR601Params: params %+v, want the defaults", p)
	}
}

// rulesBetween returns the catalogue's rules with IDs from first to last
// (inclusive), in ID order; it fails when there are none.
func rulesBetween(t *testing.T, first, last string) []*Rule {
	t.Helper()
	var out []*Rule
	for _, r := range Catalogue() {
		if r.ID >= first && r.ID <= last {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no rule between %s and %s", first, last)
	}
	return out
}
