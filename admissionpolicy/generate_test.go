package admissionpolicy

import (
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

func mustGenerate(t *testing.T, s policy.Settings) *Output {
	t.Helper()
	out, err := Generate(s, Options{Name: "g", Namespace: "ns", ExcludeNamespaces: []string{"kube-system"}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bindingOf(t *testing.T, out *Output, name string) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	t.Helper()
	for _, b := range out.Bindings {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no binding %s", name)
	return nil
}

func TestEveryRuleHasAFormOrAReason(t *testing.T) {
	forms, gaps := policy.CELForms(), policy.CELGaps()
	ids := map[string]bool{}
	for _, r := range policy.Catalogue() {
		ids[r.ID] = true
		_, hasForm := forms[r.ID]
		reason, hasGap := gaps[r.ID]
		if hasForm == hasGap {
			t.Errorf("%s: want exactly one of a CEL form and a reason (form %v, reason %q)", r.ID, hasForm, reason)
		}
		if hasForm {
			for _, k := range r.Targets {
				if _, ok := Resource(k); !ok {
					t.Errorf("%s targets %s, which has no resource for policies", r.ID, k)
				}
			}
		}
	}
	for id := range forms {
		if !ids[id] {
			t.Errorf("CEL form for %s, which is not in the catalogue", id)
		}
	}
	for id := range gaps {
		if !ids[id] {
			t.Errorf("reason for %s, which is not in the catalogue", id)
		}
	}
}

func TestMessagesNameTheRule(t *testing.T) {
	for id, f := range policy.CELForms() {
		for _, c := range f.Checks {
			if !strings.HasPrefix(c.Message, "'"+id+" ' + ") {
				t.Errorf("%s: message expression does not start with the rule ID: %s", id, c.Message)
			}
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	out := mustGenerate(t, config.Default().Settings)
	if len(out.Policies) != len(out.Bindings) || len(out.Policies) < len(policy.CELForms()) {
		t.Fatalf("%d policies, %d bindings for %d forms", len(out.Policies), len(out.Bindings), len(policy.CELForms()))
	}
	if got := bindingOf(t, out, "g-igr101").Spec.ValidationActions; len(got) != 1 || got[0] != admissionregistrationv1.Deny {
		t.Errorf("IGR101 (deny) bound with %v", got)
	}
	if got := bindingOf(t, out, "g-igr501-advisory").Spec.ValidationActions; len(got) != 1 || got[0] != admissionregistrationv1.Warn {
		t.Errorf("IGR501's advisory finding bound with %v, want Warn", got)
	}
	if out.Params.Data["IGR101.rootNamespace"] != "istio-system" || out.Params.Data["IGR101.exemptable"] != "false" {
		t.Errorf("params: %v", out.Params.Data)
	}
	if _, ok := out.Params.Data[keyAnnotationNamespaces]; ok {
		t.Error("annotation namespaces set although the config honours annotations everywhere")
	}
	sel := bindingOf(t, out, "g-igr101").Spec.MatchResources.NamespaceSelector.MatchExpressions
	if len(sel) != 1 || strings.Join(sel[0].Values, ",") != "kube-system" {
		t.Errorf("namespace selector %v", sel)
	}
	for _, s := range out.Skipped {
		if _, ok := policy.CELForms()[s.Rule]; ok {
			t.Errorf("%s skipped under the defaults: %s", s.Rule, s.Reason)
		}
	}
}

func TestConfigMapsToBindingsAndParams(t *testing.T) {
	cfg, err := config.Parse([]byte(`apiVersion: istio-guardrail.io/v1alpha1
kind: GuardrailConfig
rules:
  IGR101: {action: warn, params: {rootNamespace: mesh-root}}
  IGR102: {action: off}
  IGR301: {action: audit, params: {requireExplicitMinProtocolVersion: true}}
  IGR501: {action: audit}
exemptions:
  namespaces: [legacy, "team-*"]
  allowedRules: [IGR201]
  annotationNamespaces: ["app-?"]
`))
	if err != nil {
		t.Fatal(err)
	}
	out := mustGenerate(t, cfg.Settings)
	for name, want := range map[string]admissionregistrationv1.ValidationAction{
		"g-igr101": admissionregistrationv1.Warn, "g-igr301": admissionregistrationv1.Audit,
		"g-igr501": admissionregistrationv1.Audit, "g-igr501-advisory": admissionregistrationv1.Audit,
		"g-igr201": admissionregistrationv1.Deny,
	} {
		if got := bindingOf(t, out, name).Spec.ValidationActions; len(got) != 1 || got[0] != want {
			t.Errorf("%s bound with %v, want %s", name, got, want)
		}
	}
	for _, p := range out.Policies {
		if p.Labels[LabelRule] == "IGR102" {
			t.Error("IGR102 is off but has a policy")
		}
	}
	d := out.Params.Data
	if d["IGR101.rootNamespace"] != "mesh-root" || d["IGR301.requireExplicitMinProtocolVersion"] != "true" ||
		d["IGR201.exemptable"] != "true" || d["IGR101.exemptable"] != "false" {
		t.Errorf("params: %v", d)
	}
	sel := bindingOf(t, out, "g-igr201").Spec.MatchResources.NamespaceSelector.MatchExpressions[0].Values
	if strings.Join(sel, ",") != "kube-system,legacy" {
		t.Errorf("literal exemptions not in the selector: %v", sel)
	}
	for key, cases := range map[string]map[string]bool{
		keyExemptNamespaces:     {"team-a": true, "team-": true, "team": false, "xteam-a": false, "legacy": false},
		keyAnnotationNamespaces: {"app-1": true, "app-": false, "app-12": false},
	} {
		re := regexp.MustCompile(d[key])
		for ns, want := range cases {
			if re.MatchString(ns) != want {
				t.Errorf("%s %q matches %q: %v, want %v", key, d[key], ns, !want, want)
			}
		}
	}
}

func TestAnnotationsHonouredNowhere(t *testing.T) {
	s := config.Default().Settings
	s.ExemptableRules = nil // every rule
	s.ExemptAnnotationNamespaces = []string{}
	if d := mustGenerate(t, s).Params.Data; d["IGR201.exemptable"] != "false" {
		t.Errorf("annotationNamespaces [] honours annotations nowhere, params say %v", d)
	}
	s.ExemptAnnotationNamespaces = nil
	if d := mustGenerate(t, s).Params.Data; d["IGR201.exemptable"] != "true" {
		t.Errorf("allowedRules unset allows every rule, params say %v", d)
	}
}

// TestGlobRegexIsPathMatch holds the glob translation to path.Match.
func TestGlobRegexIsPathMatch(t *testing.T) {
	patterns := []string{"legacy", "legacy-*", "*", "a?c", "team-[a-c]*", "[^x]*", `a\*b`, "ns.[0-9]", "*-prod", "a*b*c"}
	names := []string{"", "legacy", "legacy-", "legacy-1", "abc", "a.c", "team-b", "team-d", "x", "y", "a*b", "ab", "ns.5", "nsx5",
		"eu-prod", "prod", "aXbYc", "ac", "-x", "ax", "bx", "a/b"}
	for _, p := range patterns {
		re, err := globsRegex([]string{p})
		if err != nil {
			t.Fatal(err)
		}
		r := regexp.MustCompile(re)
		for _, n := range names {
			want, _ := path.Match(p, n)
			if r.MatchString(n) != want {
				t.Errorf("pattern %q (regex %q) on %q: regex %v, path.Match %v", p, re, n, !want, want)
			}
		}
	}
	if _, err := globsRegex([]string{"[a"}); err == nil {
		t.Error("a malformed pattern translated")
	}
}

// TestREADMETable: the README's table of policy forms is generated from the
// code; UPDATE_GOLDEN=1 rewrites it.
func TestREADMETable(t *testing.T) {
	const begin, end = "<!-- vap-table:begin (generated: UPDATE_GOLDEN=1 go test ./admissionpolicy/) -->\n", "<!-- vap-table:end -->"
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", begin, end)
	}
	want := s[:i+len(begin)] + MarkdownTable() + s[j:]
	if want == s {
		return
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile("../README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README.md's table of policy forms is stale: run UPDATE_GOLDEN=1 go test ./admissionpolicy/")
}

// TestChartFile: the chart's copy of the policies is generated from the
// code; UPDATE_GOLDEN=1 rewrites it.
func TestChartFile(t *testing.T) {
	want, err := ChartData()
	if err != nil {
		t.Fatal(err)
	}
	file := "../" + ChartFile
	got, err := os.ReadFile(file)
	if string(got) == string(want) {
		return
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(path.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale (%v): run UPDATE_GOLDEN=1 go test ./admissionpolicy/", ChartFile, err)
}
