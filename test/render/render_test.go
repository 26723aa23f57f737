// Package render holds the render-parity suite: Istio's own istiod chart,
// rendered by the real helm, is the oracle for the control-plane verdicts.
// For each values set, the verdict on the values file (check --values-for
// istiod), the verdict on the rendered stream (helm template | check -f -),
// and a truth computed here from the rendered Deployment, HPA and PDB must be
// the same.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
)

var guardrail string

func TestMain(m *testing.M) { clibin.Main(m, &guardrail) }

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// istiodChart returns the istiod chart of the pinned istio.io/istio module
// (hack/tools/istio/go.mod), downloading the module once.
func istiodChart(t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(repoRoot(), "hack", "istio-src.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/istio-src.sh: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "manifests", "charts", "istio-control", "istio-discovery")
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
	chart, helm := istiodChart(t), helmBin(t)
	dir := t.TempDir()
	names := make([]string, 0, len(valueSets))
	for n := range valueSets {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			values := filepath.Join(dir, strings.Repeat("v", i+1)+".yaml")
			if err := os.WriteFile(values, []byte(valueSets[name]), 0o600); err != nil {
				t.Fatal(err)
			}
			rendered := helmTemplate(t, helm, chart, values)
			truth := truthOf(t, rendered)
			fromValues := checkRules(t, values, "--values-for", "istiod")
			stream := filepath.Join(dir, strings.Repeat("r", i+1)+".yaml")
			if err := os.WriteFile(stream, rendered, 0o600); err != nil {
				t.Fatal(err)
			}
			fromRender := checkRules(t, stream)
			t.Logf("truth %v values %v render %v", truth, fromValues, fromRender)
			if !slices.Equal(fromValues, truth) || !slices.Equal(fromRender, truth) {
				t.Errorf("verdicts differ:\n truth (rendered objects): %v\n values:                  %v\n rendered stream:         %v",
					truth, fromValues, fromRender)
			}
		})
	}
}

// helmTemplate renders the chart with values, as `helm install` would.
func helmTemplate(t *testing.T, helm, chart, values string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helm, "template", "istiod", chart, "-n", "istio-system",
		"--kube-version", "v1.37.2", "-f", values)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr.String())
	}
	return out
}

// truthOf computes the verdicts from the rendered objects alone: the floor is
// the HPA's minReplicas when an HPA scales istiod, else spec.replicas
// (default 1); the PDB must select istiod's pods and keep two replicas.
func truthOf(t *testing.T, rendered []byte) []string {
	t.Helper()
	var deploy *appsv1.Deployment
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	var pdbs []*policyv1.PodDisruptionBudget
	for _, doc := range bytes.Split(rendered, []byte("\n---")) {
		var head metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("rendered document: %v", err)
		}
		switch head.Kind {
		case "Deployment":
			deploy = &appsv1.Deployment{}
			unmarshal(t, doc, deploy)
		case "HorizontalPodAutoscaler":
			hpa = &autoscalingv2.HorizontalPodAutoscaler{}
			unmarshal(t, doc, hpa)
		case "PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			unmarshal(t, doc, p)
			pdbs = append(pdbs, p)
		}
	}
	if deploy == nil {
		t.Fatal("the chart rendered no Deployment")
	}
	floor := int32(1)
	switch {
	case hpa != nil && hpa.Spec.ScaleTargetRef.Name == deploy.Name:
		if hpa.Spec.MinReplicas != nil {
			floor = *hpa.Spec.MinReplicas
		}
	case deploy.Spec.Replicas != nil:
		floor = *deploy.Spec.Replicas
	}
	var out []string
	if floor < 3 {
		out = append(out, "IGR601")
	}
	protected := false
	for _, p := range pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(deploy.Spec.Template.Labels)) {
			continue
		}
		switch {
		case p.Spec.MinAvailable != nil:
			n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MinAvailable, int(floor), true)
			protected = protected || (err == nil && n >= 2)
		case p.Spec.MaxUnavailable != nil:
			n, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MaxUnavailable, int(floor), true)
			protected = protected || (err == nil && n <= 1)
		}
	}
	if !protected {
		out = append(out, "IGR603")
	}
	return out
}

func unmarshal(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := yaml.Unmarshal(doc, into); err != nil {
		t.Fatalf("rendered %T: %v", into, err)
	}
}

// checkRules runs check on file and returns which of rules it raised.
func checkRules(t *testing.T, file string, args ...string) []string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), guardrail, append([]string{"check", "-o", "json", "-f", file}, args...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		t.Fatalf("check %s: %v\n%s", file, err, out)
	}
	var report struct {
		Findings []struct{ Rule string } `json:"findings"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("check output: %v\n%s", err, out)
	}
	var got []string
	for _, f := range report.Findings {
		if slices.Contains(rules, f.Rule) && !slices.Contains(got, f.Rule) {
			got = append(got, f.Rule)
		}
	}
	sort.Strings(got)
	return got
}
