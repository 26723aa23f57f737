package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

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
			checkParams(t, r.ID, r.Params)
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
			checkParams(t, m.ID, m.Params)
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

// checkParams checks names, descriptions and that each default has the Go
// type its ParamType declares.
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
		if !defaultMatchesType(p) {
			t.Errorf("%s: parameter %s default %#v is not of type %s", owner, p.Name, p.Default, p.Type)
		}
	}
}

func defaultMatchesType(p ParamSpec) bool {
	switch p.Type {
	case ParamInt:
		_, ok := p.Default.(int)
		return ok
	case ParamFloat:
		_, ok := p.Default.(float64)
		return ok
	case ParamBool:
		_, ok := p.Default.(bool)
		return ok
	case ParamString:
		_, ok := p.Default.(string)
		return ok
	case ParamStrings:
		_, ok := p.Default.([]string)
		return ok
	case ParamDuration:
		_, ok := p.Default.(time.Duration)
		return ok
	case ParamQuantity:
		s, ok := p.Default.(string)
		if !ok {
			return false
		}
		_, err := resource.ParseQuantity(s)
		return err == nil
	}
	return false
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
