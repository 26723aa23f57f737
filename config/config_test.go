package config

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

const header = "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		desc, doc string
		want      []string // substrings of the error
	}{
		{"empty document", "", []string{"empty document"}},
		{"wrong apiVersion", "apiVersion: v1\nkind: GuardrailConfig\n", []string{`line 1: apiVersion: Invalid value: "v1": must be "istio-guardrail.io/v1alpha1"`}},
		{"missing kind", "apiVersion: istio-guardrail.io/v1alpha1\n", []string{`line 1: kind: Invalid value: "": must be "GuardrailConfig"`}},
		{"unknown top-level key names key and line", header + "rulez: {}\n", []string{`line 3: rulez: unknown key (known keys: apiVersion, kind, istioVersion, exclude, rules, exemptions, mutation, mutators)`}},
		{"unknown rule", header + "rules:\n  IGR999: {action: deny}\n", []string{"line 4: rules.IGR999: unknown rule (see `istio-guardrail rules`)"}},
		{"bad action", header + "rules:\n  IGR001:\n    action: block\n", []string{`line 5: rules.IGR001.action: Unsupported value: "block": supported values: "deny", "warn", "audit", "off"`}},
		{"unknown key under a rule", header + "rules:\n  IGR001:\n    actoin: warn\n", []string{`line 5: rules.IGR001.actoin: unknown key (known keys: action)`}},
		{"param on a rule without params", header + "rules:\n  IGR001:\n    params: {x: 1}\n", []string{`line 5: rules.IGR001.params: unknown key (known keys: action)`}},
		{"duplicate key", header + "rules:\n  IGR001: {action: warn}\n  IGR001: {action: deny}\n", []string{`line 5: mapping key "IGR001" already defined at line 4`}},
		{"two documents", header + "---\n" + header, []string{"exactly one document"}},
		{"bad yaml", header + "rules: [\n", []string{"invalid YAML"}},
		{"mutation flag not a bool", header + "mutation:\n  workloads: yes please\n", []string{`line 4: mutation.workloads: "yes please" is not true or false`}},
		{"exemptions not a list", header + "exemptions:\n  namespaces: legacy\n", []string{`line 4: exemptions.namespaces: "legacy" is not a list of strings`}},
		{"bad glob rejected by engine", header + "exemptions:\n  namespaces: ['[']\n", []string{`line 4: exemptions.namespaces[0]: Invalid value: "[": syntax error in pattern`}},
		{"unknown rule in allowedRules", header + "exemptions:\n  allowedRules: [IGR203, IGR999]\n", []string{"line 4: exemptions.allowedRules[1]: Invalid value: \"IGR999\": unknown rule (see `istio-guardrail rules`)"}},
		{"allowedRules not a list", header + "exemptions:\n  allowedRules: IGR203\n", []string{`line 4: exemptions.allowedRules: "IGR203" is not a list of strings`}},
		{"annotationNamespaces not a list", header + "exemptions:\n  annotationNamespaces: legacy\n", []string{`line 4: exemptions.annotationNamespaces: "legacy" is not a list of strings`}},
		{"bad annotationNamespaces glob rejected by engine", header + "exemptions:\n  annotationNamespaces: ['[']\n", []string{`line 4: exemptions.annotationNamespaces[0]: Invalid value: "[": syntax error in pattern`}},
		{"unknown key under exemptions", header + "exemptions:\n  allowRules: []\n", []string{`line 4: exemptions.allowRules: unknown key (known keys: namespaces, annotationNamespaces, allowedRules)`}},
		{"unknown mutator", header + "mutators:\n  IGR999: {enabled: true}\n", []string{"line 4: mutators.IGR999: unknown mutator (see `istio-guardrail rules`)"}},
		{"null for a scalar", header + "istioVersion: ~\nrules:\n  IGR001: {action: null}\nmutators:\n  IGR901: {enabled: ~}\n",
			[]string{"line 3: istioVersion: is null, not a string", "line 5: rules.IGR001.action: is null, not a string", "line 7: mutators.IGR901.enabled: is null, not true or false"}},
		{"integer beyond 32 bits", header + "rules:\n  IGR601: {params: {minReplicas: 4294967296}}\n", []string{`line 4: rules.IGR601.params.minReplicas: "4294967296" is out of range`}},
		{"all errors reported", header + "foo: 1\nbar: 2\n", []string{"line 3: foo: unknown key", "line 4: bar: unknown key"}},
		{"every kind of error reported at once, in line order", header + "rules:\n  IGR601: {params: {minReplicas: 2.5}}\n  IGR001: {action: block}\n" +
			"mutation:\n  workloads: on\n  skipNamespaces: [a, ~]\nmutators:\n  IGR902: {params: {terminationDrainDuration: -1s, bogus: 1}}\n  IGR901: {params: {cpuRequest: lots}}\n",
			[]string{"line 4: rules.IGR601.params.minReplicas: \"2.5\" is not an integer\n" +
				"line 5: rules.IGR001.action: Unsupported value: \"block\": supported values: \"deny\", \"warn\", \"audit\", \"off\"\n" +
				"line 7: mutation.workloads: \"on\" is not true or false\n" +
				"line 8: mutation.skipNamespaces[1]: is null, not a string\n" +
				"line 10: mutators.IGR902.params.bogus: unknown key (known keys: preStopSeconds, preStopAction, terminationDrainDuration)\n" +
				"line 10: mutators.IGR902.params.terminationDrainDuration: \"-1s\" is negative\n" +
				"line 11: mutators.IGR901.params.cpuRequest: \"lots\" is not a valid quantity (e.g. 100m, 128Mi)"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	doc := header + `rules:
  IGR001:
    action: audit
exemptions:
  namespaces: [legacy-*, sandbox]
mutation:
  workloads: true
  namespaces: false
  skipNamespaces: [a]
`
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Settings
	if got := s.Rules["IGR001"].Action; got != policy.ActionAudit {
		t.Errorf("IGR001 action = %q, want audit", got)
	}
	if !reflect.DeepEqual(s.ExemptNamespaces, []string{"legacy-*", "sandbox"}) {
		t.Errorf("exempt namespaces = %v", s.ExemptNamespaces)
	}
	if !s.Mutation.Workloads || s.Mutation.Namespaces || !reflect.DeepEqual(s.Mutation.SkipNamespaces, []string{"a"}) {
		t.Errorf("mutation = %+v", s.Mutation)
	}
	eng, err := policy.NewEngine(s)
	if err != nil {
		t.Fatal(err)
	}
	if eng.Action("IGR001") != policy.ActionAudit {
		t.Errorf("engine action = %q", eng.Action("IGR001"))
	}
}

// TestParseAllowedRules tells an absent list (all rules) from an empty one (none).
func TestParseAllowedRules(t *testing.T) {
	tests := map[string]struct {
		exemptions string
		want       []string
	}{
		"absent: no rule may be (the default)": {exemptions: "namespaces: []", want: []string{}},
		"null: every rule may be exempted":     {exemptions: "allowedRules: null", want: nil},
		"empty list: no rule may be":           {exemptions: "allowedRules: []", want: []string{}},
		"a list":                               {exemptions: "allowedRules: [IGR203, IGR204]", want: []string{"IGR203", "IGR204"}},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			cfg, err := Parse([]byte(header + "exemptions:\n  " + tc.exemptions + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Settings.ExemptableRules
			if (got == nil) != (tc.want == nil) || !reflect.DeepEqual(append([]string{}, got...), append([]string{}, tc.want...)) {
				t.Errorf("ExemptableRules = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestParamTypes decodes a value of every parameter type the catalogue
// declares, using the default rendered by FormatParam, and one bad value.
func TestParamTypes(t *testing.T) {
	for _, r := range policy.Catalogue() {
		for i, p := range r.ParamSpecs() {
			t.Run(r.ID+"/"+p.Name, func(t *testing.T) {
				value, err := json.Marshal(p.Default) // JSON is YAML; durations are written as Go writes them
				if d, ok := p.Default.(time.Duration); ok {
					value = []byte(d.String())
				}
				if err != nil {
					t.Fatal(err)
				}
				doc := header + "rules:\n  " + r.ID + ":\n    params:\n      " + p.Name + ": " + strings.TrimSpace(string(value)) + "\n"
				cfg, err := Parse([]byte(doc))
				if err != nil {
					t.Fatalf("default value does not parse back: %v", err)
				}
				if got := policy.ParamSpecs(cfg.Settings.Rules[r.ID].Params)[i]; !reflect.DeepEqual(got, p) {
					t.Errorf("round trip = %#v, want %#v", got, p)
				}
				bad := header + "rules:\n  " + r.ID + ":\n    params:\n      " + p.Name + ": {not: scalar}\n"
				if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 6") {
					t.Errorf("mapping as %s value: err = %v, want a line-6 error", p.Type, err)
				}
			})
		}
	}
}

func TestDefaultYAMLRoundTrip(t *testing.T) {
	cfg, err := Parse(DefaultYAML())
	if err != nil {
		t.Fatalf("DefaultYAML does not parse: %v\n%s", err, DefaultYAML())
	}
	want := Default().Settings
	if got, _ := policy.ParseIstioVersion(cfg.Settings.IstioVersion); got != policy.DefaultIstioVersion {
		t.Errorf("istioVersion = %q, want the default %v", cfg.Settings.IstioVersion, policy.DefaultIstioVersion)
	}
	if !reflect.DeepEqual(cfg.Settings.Mutation, want.Mutation) {
		t.Errorf("mutation = %+v, want %+v", cfg.Settings.Mutation, want.Mutation)
	}
	for _, r := range policy.Catalogue() {
		rs := cfg.Settings.Rules[r.ID]
		if rs.Action != r.DefaultAction {
			t.Errorf("%s action = %q, want %q", r.ID, rs.Action, r.DefaultAction)
		}
		if r.Params != nil && !reflect.DeepEqual(rs.Params, r.Params.New()) {
			t.Errorf("%s params = %#v, want %#v", r.ID, rs.Params, r.Params.New())
		}
	}
	for _, m := range policy.Mutators() {
		ms := cfg.Settings.Mutators[m.ID]
		if ms.Enabled == nil || *ms.Enabled != m.DefaultEnabled {
			t.Errorf("%s enabled = %v, want %t", m.ID, ms.Enabled, m.DefaultEnabled)
		}
	}
}

func TestDefaultYAMLShowsAllowedRules(t *testing.T) {
	if !strings.Contains(string(DefaultYAML()), "\n  allowedRules: []\n") {
		t.Error("config default does not show exemptions.allowedRules: []")
	}
	if !strings.Contains(string(DefaultYAML()), "\n  # annotationNamespaces: [") {
		t.Error("config default does not show exemptions.annotationNamespaces as a commented key")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "read config") {
		t.Fatalf("missing file: err = %v", err)
	}
	if err := os.WriteFile(p, []byte(header+"bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("invalid file: err = %v, want it to name the file", err)
	}
}

// TestWatch swaps a mounted-ConfigMap-style symlink between valid and invalid
// content: valid content is delivered, invalid content is reported and the
// caller's last good configuration is not replaced.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(target string) { // atomic symlink swap, as the kubelet does
		t.Helper()
		tmp := filepath.Join(dir, "config.yaml.tmp")
		_ = os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "config.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	write("v1", header+"rules:\n  IGR001: {action: warn}\n")
	write("bad", header+"rules:\n  IGR001: {action: nope}\n")
	write("v2", header+"rules:\n  IGR001: {action: audit}\n")
	swap("v1")

	var mu sync.Mutex
	var changes []policy.Action
	var errs []error
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- Watch(ctx, filepath.Join(dir, "config.yaml"), time.Hour,
			func(c *Config) { mu.Lock(); changes = append(changes, c.Settings.Rules["IGR001"].Action); mu.Unlock() },
			func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() })
	}()
	waitFor := func(cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("timed out; changes=%v errs=%v", changes, errs)
	}
	// The content present at start is delivered once, so an update racing
	// the caller's initial load is never lost.
	waitFor(func() bool { return len(changes) == 1 })
	swap("bad")
	waitFor(func() bool { return len(errs) == 1 })
	swap("v2")
	waitFor(func() bool { return len(changes) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if changes[0] != policy.ActionWarn || changes[1] != policy.ActionAudit || !strings.Contains(errs[0].Error(), "nope") {
		t.Errorf("changes=%v errs=%v", changes, errs)
	}
}

func TestParseAnnotationNamespaces(t *testing.T) {
	tests := map[string]struct {
		exemptions string
		want       []string
	}{
		"absent: every namespace": {exemptions: "namespaces: []", want: nil},
		"null: every namespace":   {exemptions: "annotationNamespaces: null", want: nil},
		"empty list: none":        {exemptions: "annotationNamespaces: []", want: []string{}},
		"names and globs":         {exemptions: "annotationNamespaces: [legacy-*, shop]", want: []string{"legacy-*", "shop"}},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			cfg, err := Parse([]byte(header + "exemptions:\n  " + tc.exemptions + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Settings.ExemptAnnotationNamespaces; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ExemptAnnotationNamespaces = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestIstioVersion(t *testing.T) {
	head := "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\n"
	cfg, err := Parse([]byte(head + "istioVersion: \"1.26\"\n"))
	if err != nil || cfg.Settings.IstioVersion != "1.26" {
		t.Fatalf("Parse = %+v, %v; want istioVersion 1.26", cfg, err)
	}
	// Unquoted, 1.30 is read as written (the scalar's text), not as the
	// float 1.3.
	if cfg, err := Parse([]byte(head + "istioVersion: 1.30\n")); err != nil || cfg.Settings.IstioVersion != "1.30" {
		t.Errorf("Parse(istioVersion: 1.30) = %+v, %v; want istioVersion 1.30", cfg, err)
	}
	for doc, want := range map[string]string{
		"istioVersion: \"1.20\"\n": "line 3: istioVersion: Invalid value: \"1.20\": releases before 1.24 are not supported",
		"istioVersion: [1.30]\n":   "line 3: istioVersion: a list is not a string",
		"istioVersion: latest\n":   "want a release such as",
	} {
		if _, err := Parse([]byte(head + doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", doc, err, want)
		}
	}
}

func TestExclude(t *testing.T) {
	head := "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\n"
	cfg, err := Parse([]byte(head + "exclude: [\"legacy/**\", \"*.tmpl.yaml\"]\n"))
	if err != nil || strings.Join(cfg.Exclude, ",") != "legacy/**,*.tmpl.yaml" {
		t.Fatalf("Parse = %+v, %v; want the two globs", cfg, err)
	}
	if _, err := Parse([]byte(head + "exclude: [\"[\"]\n")); err == nil || !strings.Contains(err.Error(), "line 3: exclude[0]: Invalid value: \"[\"") {
		t.Errorf("a malformed glob: error %v, want one naming it and its line", err)
	}
}
