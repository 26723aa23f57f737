package policy

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A rendered control plane (`helm template istiod ... | check -f -`) is a
// Deployment whose replica floor lives in a HorizontalPodAutoscaler and whose
// disruption budget is a PodDisruptionBudget: separate objects. When the
// caller knows the whole set (check hands in every HPA and PDB of its input;
// an audit would hand in the cluster's), IGR601 and IGR603 judge the
// Deployment with them, so a rendered istiod gets the verdict its values get.
// Without the set (admission) a rendered Deployment keeps the cautious
// single-object verdict.

// Scaling is the set of HPAs and PDBs the caller knows.
type Scaling struct {
	HPAs []*autoscalingv2.HorizontalPodAutoscaler
	PDBs []*policyv1.PodDisruptionBudget
}

// hpaFor returns the HPA that scales Deployment d, if any.
func (s *Scaling) hpaFor(d *appsv1.Deployment) *autoscalingv2.HorizontalPodAutoscaler {
	for _, h := range s.HPAs {
		ref := h.Spec.ScaleTargetRef
		if h.Namespace == d.Namespace && ref.Kind == "Deployment" && ref.Name == d.Name {
			return h
		}
	}
	return nil
}

// pdbsFor returns the PDBs in d's namespace that select d's pods.
func (s *Scaling) pdbsFor(d *appsv1.Deployment) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	for _, p := range s.PDBs {
		if p.Namespace != d.Namespace || p.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

// renderedFloor is the fewest replicas a rendered Deployment runs with given
// the set: its HPA's minReplicas (default 1), else spec.replicas (default 1).
func renderedFloor(s *Scaling, d *appsv1.Deployment) (floor int64, hpa *autoscalingv2.HorizontalPodAutoscaler) {
	if h := s.hpaFor(d); h != nil {
		if h.Spec.MinReplicas != nil {
			return int64(*h.Spec.MinReplicas), h
		}
		return 1, h
	}
	if d.Spec.Replicas != nil {
		return int64(*d.Spec.Replicas), nil
	}
	return 1, nil
}

// istiodDeploymentOf returns obj as a rendered istiod Deployment with its
// namespace as the caller defaulted it.
func istiodDeploymentOf(obj *Object) (*appsv1.Deployment, bool) {
	return renderedDeploymentOf(obj, cpIsIstiodDeployment)
}

// renderedDeploymentOf returns obj's Deployment when match accepts it, with
// the namespace the caller defaulted (obj.Meta), which HPAs and PDBs are
// matched in.
func renderedDeploymentOf(obj *Object, match func(*appsv1.Deployment) bool) (*appsv1.Deployment, bool) {
	d, ok := obj.Body.(*appsv1.Deployment)
	if !ok || d == nil || !match(d) {
		return nil, false
	}
	if ns := cpNamespace(obj, d.Namespace); ns != d.Namespace {
		c := d.DeepCopy()
		c.Namespace = ns
		d = c
	}
	return d, true
}

// checkRenderedReplicas is IGR601/IGR605 on a rendered istiod or gateway with its set.
func checkRenderedReplicas(s *Scaling, d *appsv1.Deployment, floor int64) []Violation {
	n, hpa := renderedFloor(s, d)
	if n >= floor {
		return nil
	}
	p := field.NewPath("spec", "replicas")
	if hpa != nil {
		return []Violation{Invalid(p, n, fmt.Sprintf("is set by HPA %s (minReplicas %d); must be at least %d", hpa.Name, n, floor)).
			WithFix(fmt.Sprintf("set the HPA's minReplicas to %d (values: autoscaleMin; gateway: autoscaling.minReplicas)", floor))}
	}
	return []Violation{Invalid(p, n, fmt.Sprintf("must be at least %d (no HPA scales this Deployment)", floor)).
		WithFix(fmt.Sprintf("set %s: %d (values: replicaCount, or an HPA minimum)", p, floor))}
}

// checkRenderedPDB is IGR603/IGR605 on a rendered istiod or gateway with its set.
func checkRenderedPDB(s *Scaling, d *appsv1.Deployment) []Violation {
	p := field.NewPath("spec", "template", "metadata", "labels")
	pdbs := s.pdbsFor(d)
	if len(pdbs) == 0 {
		return []Violation{Required(p, "are selected by no PodDisruptionBudget; "+cpPDBRequirement).
			WithFix("add a PodDisruptionBudget with minAvailable: 2 for these labels (istiod values: pdb; gateway: podDisruptionBudget)")}
	}
	floor, _ := renderedFloor(s, d)
	for _, pdb := range pdbs {
		if pdbKeepsTwo(pdb, floor) {
			return nil
		}
	}
	return []Violation{Invalid(p, "PodDisruptionBudget "+pdbs[0].Name, "lets all but one replica go; "+cpPDBRequirement).
		WithFix("set minAvailable: 2 in the PodDisruptionBudget selecting these labels")}
}

// pdbKeepsTwo reports whether a PDB keeps two replicas up (minAvailable >= 2)
// or lets at most one go (maxUnavailable <= 1), percentages scaled by floor as
// the disruption controller does (rounding up). A PDB without either bound
// protects nothing here.
func pdbKeepsTwo(pdb *policyv1.PodDisruptionBudget, floor int64) bool {
	scaled := func(v *intstr.IntOrString) (int64, bool) {
		if v == nil {
			return 0, false
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(v, int(floor), true)
		return int64(n), err == nil
	}
	if n, ok := scaled(pdb.Spec.MinAvailable); ok {
		return n >= 2
	}
	if n, ok := scaled(pdb.Spec.MaxUnavailable); ok {
		return n <= 1
	}
	return false
}
