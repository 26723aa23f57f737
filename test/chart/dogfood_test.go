package chart

import (
	"testing"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// renderedDocuments renders values and decodes the output with the same
// decoder `istio-guardrail check` uses.
func renderedDocuments(t *testing.T, values map[string]any) []manifest.Document {
	t.Helper()
	out, stderr, err := helm(t, templateArgs(t, values)...)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	docs, errs := manifest.Parse("chart", []byte(out), manifest.Options{DefaultNamespace: namespace})
	for _, e := range errs {
		t.Errorf("decode: %v", e)
	}
	return docs
}

// chartCheckEngine is the engine of the built-in defaults plus what an
// administrator grants the guardrail's own install: by default exemption
// annotations exempt from nothing, so the chart's own two (IGR702 on its
// pods, IGR706 on its CA) count only where the administrator allows them,
// in the release namespace. In a cluster that namespace is excluded from
// the webhooks anyway; this is what `check` over the rendered chart needs.
func chartCheckEngine(t *testing.T) *policy.Engine {
	t.Helper()
	s := config.Default().Settings
	s.ExemptableRules = []string{"IGR702", "IGR706"}
	s.ExemptAnnotationNamespaces = []string{namespace}
	engine, err := policy.NewEngine(s)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

// TestChartPassesItsOwnRules runs the rule catalogue with the built-in
// defaults (and the chart's own exemptions granted) over the chart's output in every mode, as
// `helm template ... | istio-guardrail check -f -` would: the guardrail's own
// install must raise no deny or warn finding.
func TestChartPassesItsOwnRules(t *testing.T) {
	engine := chartCheckEngine(t)
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			for _, d := range renderedDocuments(t, modes[mode]) {
				for _, f := range engine.Validate(&policy.Context{}, d.Object).Findings {
					if f.Action.AtLeast(policy.ActionWarn) {
						t.Errorf("%s", f)
					}
				}
			}
		})
	}
}

// TestCAExemptionIsNeeded checks that the exemption on the chart's CA
// Certificate is doing real work: without it, IGR706 flags the CA's lifetime.
func TestCAExemptionIsNeeded(t *testing.T) {
	engine := chartCheckEngine(t)
	for _, d := range renderedDocuments(t, modes["cert-manager with the chart's CA chain"]) {
		if policy.KindOf(d.Object.GroupKind) != policy.KindCertificate || d.Object.Meta.Name != fullname+"-ca" {
			continue
		}
		if d.Object.Meta.Annotations[policy.AnnotationExemptReason] == "" {
			t.Fatal("the CA Certificate has no exemption reason")
		}
		delete(d.Object.Meta.Annotations, policy.AnnotationExempt)
		for _, f := range engine.Validate(&policy.Context{}, d.Object).Findings {
			if f.Rule == "IGR706" {
				return
			}
		}
		t.Fatal("without its exemption the CA Certificate raises no IGR706 finding: drop the exemption")
	}
	t.Fatal("no CA Certificate rendered")
}
