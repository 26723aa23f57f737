package render

import (
	"bytes"
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
	"sigs.k8s.io/yaml"
)

// iopSets are IstioOperator specs that istioctl installs: the default and
// minimal profiles, production settings written in the k8s form and in the
// values form, each property broken alone, the patches istioctl applies
// after rendering (k8s.podDisruptionBudget onto a PDB the chart rendered, if
// any) and YAML 1.1 spellings. Forms istioctl refuses (spec.values.pilot.pdb,
// top-level istiod values, a quoted "false" for a boolean) are not installs,
// so they are not here.
var iopSets = map[string]string{
	"default profile": `{}`,
	"minimal profile": `{profile: minimal}`,
	"production (k8s form)": `{components: {
  pilot: {k8s: {hpaSpec: {minReplicas: 3, maxReplicas: 6}, podDisruptionBudget: {minAvailable: 2}}},
  ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 2}}}]}}`,
	"production floors in the values form, PDB bounds from the charts": `{values: {
  pilot: {autoscaleMin: 3, autoscaleMax: 6},
  gateways: {istio-ingressgateway: {autoscaleMin: 3}}}}`,
	"fixed replicas without autoscaling": `{values: {pilot: {autoscaleEnabled: false}, gateways: {istio-ingressgateway: {autoscaleEnabled: false}}},
  components: {pilot: {k8s: {replicaCount: 3, podDisruptionBudget: {minAvailable: 2}}},
  ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {replicaCount: 3, podDisruptionBudget: {maxUnavailable: 1}}}]}}`,
	"YAML 1.1 off is false": `{values: {pilot: {autoscaleEnabled: off, replicaCount: 3}},
  components: {pilot: {k8s: {podDisruptionBudget: {minAvailable: 2}}}}}`,
	"broken: HPA minimum 2": `{components: {pilot: {k8s: {hpaSpec: {minReplicas: 2}, podDisruptionBudget: {minAvailable: 2}}}}}`,
	"broken: PDBs disabled": `{values: {global: {defaultPodDisruptionBudget: {enabled: false}}},
  components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 2}}},
  ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 2}}}]}}`,
	"broken: replicaCount ignored while autoscaling": `{components: {pilot: {k8s: {replicaCount: 3, podDisruptionBudget: {minAvailable: 2}}},
  ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {replicaCount: 3, podDisruptionBudget: {minAvailable: 2}}}]}}`,
	"broken: the k8s PDB patch has no PDB to patch below a floor of 2": `{values: {gateways: {istio-ingressgateway: {autoscaleEnabled: false}}},
  components: {ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {replicaCount: 1, podDisruptionBudget: {minAvailable: 2}}}]}}`,
	"broken: gateway PDB minAvailable 1": `{components: {ingressGateways: [{name: istio-ingressgateway, enabled: true,
  k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {minAvailable: 1}}}]}}`,
	"maxUnavailable patch replaces the chart's minAvailable": `{components: {
  pilot: {k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {maxUnavailable: 1}}},
  ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {hpaSpec: {minReplicas: 3}, podDisruptionBudget: {maxUnavailable: 1}}}]}}`,
	"percent minAvailable": `{components: {pilot: {k8s: {hpaSpec: {minReplicas: 4}, podDisruptionBudget: {minAvailable: 50%}}}}}`,
	"gateway values floor with a k8s PDB": `{values: {gateways: {istio-ingressgateway: {autoscaleMin: 2}}},
  components: {ingressGateways: [{name: istio-ingressgateway, enabled: true, k8s: {podDisruptionBudget: {minAvailable: 2}}}]}}`,
}

// TestIstioOperatorRenderParity: for each IstioOperator, the replica-floor
// and PDB verdicts (IGR601 and IGR603 for istiod, IGR605's for the ingress
// gateway) on the IstioOperator, on what `istioctl manifest generate`
// renders from it, and a truth computed from those rendered objects agree.
func TestIstioOperatorRenderParity(t *testing.T) {
	if testing.Short() {
		t.Skip("renders with istioctl: not a -short test")
	}
	istioctl := istioctlBin(t)
	dir := t.TempDir()
	names := make([]string, 0, len(iopSets))
	for n := range iopSets {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			iop := filepath.Join(dir, fmt.Sprintf("iop-%d.yaml", i))
			doc := "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: mesh, namespace: istio-system}\nspec: " + iopSets[name] + "\n"
			if err := os.WriteFile(iop, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			rendered := istioctlGenerate(t, istioctl, iop)
			stream := filepath.Join(dir, fmt.Sprintf("generated-%d.yaml", i))
			if err := os.WriteFile(stream, rendered, 0o600); err != nil {
				t.Fatal(err)
			}
			truth := iopTruth(t, rendered)
			fromIOP := controlPlaneAspects(t, iop)
			fromRender := controlPlaneAspects(t, stream)
			t.Logf("truth %v istiooperator %v generated %v", truth, fromIOP, fromRender)
			if !slices.Equal(fromIOP, truth) || !slices.Equal(fromRender, truth) {
				t.Errorf("verdicts differ:\n truth (generated objects): %v\n istiooperator:             %v\n generated stream:          %v",
					truth, fromIOP, fromRender)
			}
		})
	}
}

// istioctlBin is bin/istioctl; missing is a failure (make test builds it).
func istioctlBin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "bin", "istioctl")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("istioctl not found at %s (run `make tools`): %v", p, err)
	}
	return p
}

// istioctlGenerate renders an IstioOperator as `istioctl install` would
// apply it, offline (the charts are compiled into istioctl).
func istioctlGenerate(t *testing.T, istioctl, iop string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), istioctl, "manifest", "generate", "-f", iop)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("istioctl manifest generate: %v\n%s", err, stderr.String())
	}
	return out
}

// iopTruth computes the verdict from the generated objects alone:
// "istiod floor" / "istiod pdb" for istiod (3 replicas, IGR601/IGR603) and
// "gateway floor" / "gateway pdb" for istio-ingressgateway (2, IGR605).
func iopTruth(t *testing.T, rendered []byte) []string {
	t.Helper()
	var out []string
	for _, c := range []struct {
		deployment, prefix string
		minFloor           int32
	}{{"istiod", "istiod", 3}, {"istio-ingressgateway", "gateway", 2}} {
		set, ok := renderedComponent(t, rendered, c.deployment)
		if !ok {
			continue
		}
		out = append(out, truthOf(set, c.minFloor, c.prefix+" floor", c.prefix+" pdb")...)
	}
	sort.Strings(out)
	return out
}

// renderedComponent picks the named Deployment of a stream (name "": the
// only one) with the HPA that targets it and every PDB (protected() matches
// them by selector).
func renderedComponent(t *testing.T, rendered []byte, name string) (renderedSet, bool) {
	t.Helper()
	var set renderedSet
	var hpas []*autoscalingv2.HorizontalPodAutoscaler
	for _, doc := range bytes.Split(rendered, []byte("\n---")) {
		var head metav1.PartialObjectMetadata
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("rendered document: %v", err)
		}
		switch head.Kind {
		case "Deployment":
			if name == "" || head.Name == name {
				set.deploy = &appsv1.Deployment{}
				unmarshal(t, doc, set.deploy)
			}
		case "HorizontalPodAutoscaler":
			hpa := &autoscalingv2.HorizontalPodAutoscaler{}
			unmarshal(t, doc, hpa)
			hpas = append(hpas, hpa)
		case "PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			unmarshal(t, doc, p)
			set.pdbs = append(set.pdbs, p)
		}
	}
	if set.deploy == nil {
		return set, false
	}
	for _, hpa := range hpas {
		if hpa.Spec.ScaleTargetRef.Name == set.deploy.Name {
			set.hpa = hpa
		}
	}
	return set, true
}

// controlPlaneAspects runs check and classifies its replica and PDB
// findings by component, as iopTruth names them.
func controlPlaneAspects(t *testing.T, file string) []string {
	t.Helper()
	var got []string
	add := func(a string) {
		if !slices.Contains(got, a) {
			got = append(got, a)
		}
	}
	for _, f := range checkFindings(t, file) {
		switch f.Rule {
		case "IGR601":
			add("istiod floor")
		case "IGR603":
			add("istiod pdb")
		case "IGR605":
			switch {
			case strings.Contains(f.Message, "PodDisruptionBudget") || strings.Contains(f.Field, "odDisruptionBudget") ||
				strings.Contains(f.Field, "minAvailable") || strings.Contains(f.Field, "maxUnavailable"):
				add("gateway pdb")
			case strings.Contains(strings.ToLower(f.Field), "replica"):
				add("gateway floor")
			}
		}
	}
	sort.Strings(got)
	return got
}
