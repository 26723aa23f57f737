// Package render holds the render-parity suite: Istio's own istiod and
// gateway charts, rendered by the real helm, and istioctl's own rendering of
// IstioOperators (istioctl manifest generate) are the oracles for the
// control-plane verdicts.
// For each values set, the verdict on the values file (check --values-for
// istiod), the verdict on the rendered stream (helm template | check -f -),
// and a truth computed here from the rendered Deployment, HPA and PDB must be
// the same.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

var guardrail string

func TestMain(m *testing.M) { clibin.Main(m, &guardrail) }

func repoRoot() string {
	root, err := repo.Root()
	if err != nil {
		panic(err)
	}
	return root
}

// istioCharts returns the directory of the pinned istio.io/istio module's
// charts (hack/tools/istio/go.mod), downloading the module once.
func istioCharts(t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(repoRoot(), "hack", "istio-src.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/istio-src.sh: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "manifests", "charts")
}

// istiodChart is the istiod chart of the pinned module.
func istiodChart(t *testing.T) string {
	return filepath.Join(istioCharts(t), "istio-control", "istio-discovery")
}

// helmBin is bin/helm; missing is a failure (make test builds it first).
func helmBin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "bin", "helm")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("helm not found at %s (run `make tools`): %v", p, err)
	}
	return p
}

// valueSets are istiod values: the chart defaults, a production set, each
// production property broken one at a time, both key forms (top level and
// pilot.*), and the spellings Helm and YAML 1.1 read differently.
var valueSets = map[string]string{
	"chart defaults": `{}`,
	"production (pilot form)": `pilot:
  autoscaleMin: 3
  autoscaleMax: 6
  pdb: {minAvailable: 2}
`,
	"production (top-level form)":                           "autoscaleMin: 3\nautoscaleMax: 6\npdb: {minAvailable: 2}\n",
	"production without autoscaling":                        "autoscaleEnabled: false\nreplicaCount: 3\npdb: {minAvailable: 2}\n",
	"broken: autoscaleMin 2":                                "autoscaleMin: 2\npdb: {minAvailable: 2}\n",
	"broken: default pdb.minAvailable":                      "autoscaleMin: 3\n",
	"broken: PDBs disabled":                                 "autoscaleMin: 3\npdb: {minAvailable: 2}\nglobal: {defaultPodDisruptionBudget: {enabled: false}}\n",
	"broken: replicaCount ignored while autoscaling":        "replicaCount: 3\npdb: {minAvailable: 2}\n",
	"broken: podDisruptionBudget is not an istiod key":      "autoscaleMin: 3\npodDisruptionBudget: {minAvailable: 2}\n",
	"broken: no HPA without autoscaleMax, replicas omitted": "autoscaleMin: 3\nautoscaleMax: 0\npdb: {minAvailable: 2}\n",
	"pilot.* wins over the top level":                       "autoscaleMin: 1\npilot: {autoscaleMin: 3, pdb: {minAvailable: 2}}\n",
	"top level loses to pilot.*":                            "autoscaleMin: 3\npdb: {minAvailable: 2}\npilot: {autoscaleMin: 2}\n",
	"maxUnavailable replaces minAvailable":                  "autoscaleMin: 3\npdb: {maxUnavailable: 1}\n",
	"maxUnavailable 0 renders no bound":                     "autoscaleMin: 3\npdb: {maxUnavailable: 0}\n",
	"percent minAvailable":                                  "autoscaleMin: 3\npdb: {minAvailable: 50%}\n",
	"quoted \"false\" is true to Helm":                      "autoscaleEnabled: \"false\"\nreplicaCount: 3\npdb: {minAvailable: 2}\n",
	"YAML 1.1 off is false":                                 "autoscaleEnabled: off\nreplicaCount: 3\npdb: {minAvailable: 2}\n",
	"quoted numbers":                                        "autoscaleMin: \"3\"\npdb: {minAvailable: 2}\n",
}

// rules are the verdicts compared: the replica floor and the PDB.
var rules = []string{"IGR601", "IGR603"}

func TestRenderParity(t *testing.T) {
	if testing.Short() {
		t.Skip("renders Istio's chart with helm: not a -short test")
	}
	runParity(t, parity{
		chart: istiodChart(t), release: "istiod", namespace: "istio-system", valuesFor: "istiod", sets: valueSets,
		truth:   func(set renderedSet) []string { return truthOf(set, 3, "IGR601", "IGR603") },
		verdict: checkRules,
	})
}

// parity is one chart's render-parity table.
type parity struct {
	chart, release, namespace, valuesFor string
	sets                                 map[string]string
	// truth computes the expected verdict from the rendered objects.
	truth func(renderedSet) []string
	// verdict runs check on a file (with extra flags) and returns its verdict.
	verdict func(t *testing.T, file string, args ...string) []string
}

// runParity renders every values set with the real helm and compares the
// verdict on the values, on the rendered stream and the truth.
func runParity(t *testing.T, p parity) {
	t.Helper()
	helm, dir := helmBin(t), t.TempDir()
	names := make([]string, 0, len(p.sets))
	for n := range p.sets {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			values := filepath.Join(dir, fmt.Sprintf("values-%d.yaml", i))
			if err := os.WriteFile(values, []byte(p.sets[name]), 0o600); err != nil {
				t.Fatal(err)
			}
			rendered := helmTemplate(t, helm, p.release, p.chart, p.namespace, values)
			stream := filepath.Join(dir, fmt.Sprintf("rendered-%d.yaml", i))
			if err := os.WriteFile(stream, rendered, 0o600); err != nil {
				t.Fatal(err)
			}
			truth := p.truth(renderedObjects(t, rendered))
			fromValues := p.verdict(t, values, "--values-for", p.valuesFor)
			fromRender := p.verdict(t, stream)
			t.Logf("truth %v values %v render %v", truth, fromValues, fromRender)
			if !slices.Equal(fromValues, truth) || !slices.Equal(fromRender, truth) {
				t.Errorf("verdicts differ:\n truth (rendered objects): %v\n values:                  %v\n rendered stream:         %v",
					truth, fromValues, fromRender)
			}
		})
	}
}

// helmTemplate renders the chart with values, as `helm install` would.
func helmTemplate(t *testing.T, helm, release, chart, ns, values string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helm, "template", release, chart, "-n", ns,
		"--kube-version", "v1.37.2", "-f", values)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr.String())
	}
	return out
}

// renderedSet is the Deployment, HPA and PDBs of a rendered chart.
type renderedSet struct {
	deploy *appsv1.Deployment
	hpa    *autoscalingv2.HorizontalPodAutoscaler
	pdbs   []*policyv1.PodDisruptionBudget
}

// renderedObjects decodes the objects of a rendered chart that decide the
// replica floor and the disruption budget: its one Deployment, with its HPA
// and the PDBs (renderedComponent).
func renderedObjects(t *testing.T, rendered []byte) renderedSet {
	t.Helper()
	set, ok := renderedComponent(t, rendered, "")
	if !ok {
		t.Fatal("the chart rendered no Deployment")
	}
	return set
}

// renderedFloorOf is the HPA's minReplicas when an HPA scales the
// Deployment, else spec.replicas, else 1 (the API server's default).
func renderedFloorOf(set renderedSet) int32 {
	switch {
	case set.hpa != nil && set.hpa.Spec.ScaleTargetRef.Name == set.deploy.Name:
		if set.hpa.Spec.MinReplicas != nil {
			return *set.hpa.Spec.MinReplicas
		}
	case set.deploy.Spec.Replicas != nil:
		return *set.deploy.Spec.Replicas
	}
	return 1
}

// protected reports whether a PDB selecting the Deployment's pods keeps two
// replicas (percentages scaled by floor, rounding up).
func (set renderedSet) protected(floor int32) bool {
	for _, p := range set.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(set.deploy.Spec.Template.Labels)) {
			continue
		}
		switch {
		case p.Spec.MinAvailable != nil:
			n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MinAvailable, int(floor), true)
			if err == nil && n >= 2 {
				return true
			}
		case p.Spec.MaxUnavailable != nil:
			n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MaxUnavailable, int(floor), true)
			if err == nil && n <= 1 {
				return true
			}
		}
	}
	return false
}

// truthOf computes a verdict from the rendered objects alone: floorName
// when the replica floor is below minFloor, pdbName when no PDB selecting the
// pods keeps two replicas.
func truthOf(set renderedSet, minFloor int32, floorName, pdbName string) []string {
	floor := renderedFloorOf(set)
	var out []string
	if floor < minFloor {
		out = append(out, floorName)
	}
	if !set.protected(floor) {
		out = append(out, pdbName)
	}
	sort.Strings(out)
	return out
}

func unmarshal(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := yaml.Unmarshal(doc, into); err != nil {
		t.Fatalf("rendered %T: %v", into, err)
	}
}

// finding is one finding of check's JSON report.
type finding struct{ Rule, Field, Message string }

// checkFindings runs check on file and returns its findings.
func checkFindings(t *testing.T, file string, args ...string) []finding {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), guardrail, append([]string{"check", "-o", "json", "-f", file}, args...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		t.Fatalf("check %s: %v\n%s", file, err, out)
	}
	var report struct {
		Findings []finding `json:"findings"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("check output: %v\n%s", err, out)
	}
	return report.Findings
}

// checkRules runs check on file and returns which of rules it raised.
func checkRules(t *testing.T, file string, args ...string) []string {
	t.Helper()
	var got []string
	for _, f := range checkFindings(t, file, args...) {
		if slices.Contains(rules, f.Rule) && !slices.Contains(got, f.Rule) {
			got = append(got, f.Rule)
		}
	}
	sort.Strings(got)
	return got
}

// gatewayValueSets are gateway chart values: defaults, production, each
// property broken alone, and the chart's own conditions (a PDB only with a
// floor above 1, replicas only without autoscaling).
var gatewayValueSets = map[string]string{
	"chart defaults":                                 `{}`,
	"production":                                     "autoscaling: {minReplicas: 3}\npodDisruptionBudget: {minAvailable: 2}\n",
	"production without autoscaling":                 "autoscaling: {enabled: false}\nreplicaCount: 3\npodDisruptionBudget: {maxUnavailable: 1}\n",
	"broken: minReplicas 1":                          "podDisruptionBudget: {minAvailable: 2}\n",
	"broken: no PDB":                                 "autoscaling: {minReplicas: 3}\n",
	"broken: minAvailable 1":                         "autoscaling: {minReplicas: 3}\npodDisruptionBudget: {minAvailable: 1}\n",
	"broken: replicaCount ignored while autoscaling": "replicaCount: 3\npodDisruptionBudget: {minAvailable: 2}\n",
	"broken: replicaCount unset without autoscaling": "autoscaling: {enabled: false}\npodDisruptionBudget: {minAvailable: 2}\n",
	"percent maxUnavailable":                         "autoscaling: {minReplicas: 4}\npodDisruptionBudget: {maxUnavailable: 25%}\n",
	"minReplicas 2 keeps the floor of 2":             "autoscaling: {minReplicas: 2}\npodDisruptionBudget: {maxUnavailable: 1}\n",
}

// TestGatewayRenderParity: the IGR605 replica and PDB verdicts on gateway
// chart values, on the rendered stream and from the rendered objects agree.
// IGR605 also judges resources and spreading, so its findings are compared
// by aspect: "floor" (fewer than 2 replicas) and "pdb".
func TestGatewayRenderParity(t *testing.T) {
	if testing.Short() {
		t.Skip("renders Istio's chart with helm: not a -short test")
	}
	runParity(t, parity{
		chart: filepath.Join(istioCharts(t), "gateway"), release: "istio-ingress", namespace: "istio-ingress",
		valuesFor: "gateway", sets: gatewayValueSets,
		truth:   func(set renderedSet) []string { return truthOf(set, 2, "floor", "pdb") },
		verdict: gatewayAspects,
	})
}

// gatewayAspects runs check and classifies its IGR605 findings.
func gatewayAspects(t *testing.T, file string, args ...string) []string {
	t.Helper()
	var got []string
	add := func(a string) {
		if !slices.Contains(got, a) {
			got = append(got, a)
		}
	}
	for _, f := range checkFindings(t, file, args...) {
		if f.Rule != "IGR605" {
			continue
		}
		switch {
		case strings.Contains(f.Message, "PodDisruptionBudget") || strings.Contains(f.Field, "odDisruptionBudget") ||
			strings.Contains(f.Field, "minAvailable") || strings.Contains(f.Field, "maxUnavailable"):
			add("pdb")
		case strings.Contains(strings.ToLower(f.Field), "replica"):
			add("floor")
		}
	}
	sort.Strings(got)
	return got
}
