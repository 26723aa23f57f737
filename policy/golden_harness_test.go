package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ruleGolden is one rule group's golden cases: manifests testdata/<glob>.yaml,
// each compared with the .golden file next to it.
type ruleGolden struct {
	glob  string  // e.g. "igr[12]*", without the extension
	rules []*Rule // the group: each must appear in some golden file
	// load decodes the objects of one manifest file.
	load func(t *testing.T, file string) []*Object
	// noGolden reports files that must raise nothing and have no golden file
	// (nil: none). Objects named hardened-* must raise nothing in any file.
	noGolden func(file string) bool
}

// runRuleGolden runs the engine with default settings over the group's
// manifests (the Namespaces of a file feed the namespace lookup, as in
// `check`) and compares the findings of the group's rules, one "action
// finding" line each, with the golden files (UPDATE_GOLDEN=1 rewrites them).
// Every rule of the group must appear in some golden file, and a golden file
// whose manifest is gone is stale.
func runRuleGolden(t *testing.T, g ruleGolden) {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", g.glob+".yaml"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs for %s: %v", g.glob, err)
	}
	e, err := NewEngine(Settings{})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	mine := map[string]bool{}
	for _, r := range g.rules {
		mine[r.ID] = true
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			got := goldenFindings(t, e, g.load(t, in), mine, seen)
			if g.noGolden != nil && g.noGolden(in) {
				if got != "" {
					t.Errorf("hardened manifests raised findings:\n%s", got)
				}
				return
			}
			compareGolden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
	for _, r := range g.rules {
		if !seen[r.ID] {
			t.Errorf("%s has no golden case in testdata/%s.yaml", r.ID, g.glob)
		}
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", g.glob+".golden"))
	for _, gf := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(gf, ".golden") + ".yaml"); err != nil {
			t.Errorf("stale golden file %s: its manifest is gone", gf)
		}
	}
}

// goldenFindings validates objs and renders the findings of the rules in
// mine, recording the rule IDs seen.
func goldenFindings(t *testing.T, e *Engine, objs []*Object, mine, seen map[string]bool) string {
	t.Helper()
	ns := NamespaceLabels{}
	for _, o := range objs {
		if KindOf(o.GroupKind) == KindNamespace {
			ns[o.Meta.Name] = o.Meta.Labels
		}
	}
	var b strings.Builder
	for _, obj := range objs {
		for _, f := range e.Validate(&Context{Namespaces: ns}, obj).Findings {
			if !mine[f.Rule] {
				continue
			}
			if obj.Meta != nil && strings.HasPrefix(obj.Meta.Name, "hardened-") {
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

// yamlDocuments splits a multi-document YAML file.
func yamlDocuments(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1)
}
