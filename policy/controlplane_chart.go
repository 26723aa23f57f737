package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file reads istiod chart values the way the chart renders them
// (manifests/charts/istio-control/istio-discovery, Istio 1.2x/1.31-dev):
//
//   - zzy_descope_legacy.yaml merges `.Values.pilot` over the top level, so
//     every key may be written as X or pilot.X, and pilot.X wins;
//   - the templates test values with Helm's `if`, where any non-empty string
//     is true (`autoscaleEnabled: "false"` enables autoscaling);
//   - deployment.yaml writes spec.replicas only when autoscaling is off and
//     replicaCount is truthy (otherwise the API server defaults it to 1);
//   - autoscale.yaml renders the HPA only when autoscaleEnabled, autoscaleMin
//     and autoscaleMax are all truthy;
//   - poddisruptionbudget.yaml renders the PDB only when
//     global.defaultPodDisruptionBudget.enabled and the replica floor is above
//     1 (autoscaleMin with autoscaling, replicaCount without), with
//     minAvailable from pdb.minAvailable unless pdb has a maxUnavailable key,
//     else maxUnavailable when truthy, else neither.
//
// The render-parity suite (test/render) holds this to Istio's own chart
// rendered by the real helm.

// istiodChartDefaults are the chart's values.yaml defaults this file reads.
var istiodChartDefaults = map[string]any{
	"autoscaleEnabled": true,
	"autoscaleMin":     int64(1),
	"autoscaleMax":     int64(5),
	"replicaCount":     int64(1),
	"pdb.minAvailable": int64(1),
	"global.defaultPodDisruptionBudget.enabled": true,
}

// chartRender is what the istiod chart renders for replicas and the PDB.
type chartRender struct {
	// Floor is the fewest replicas the Deployment runs with; FloorAt is the
	// value that decides it (where a fix belongs).
	Floor   int64
	FloorAt cpNode
	// PDB reports a rendered PodDisruptionBudget; when false, NoPDBAt is the
	// setting that suppresses it.
	PDB     bool
	NoPDBAt cpNode
	// MinAvailable or MaxUnavailable is the bound the PDB renders (at most
	// one is set); MinAt is pdb.minAvailable, where a missing bound belongs.
	MinAvailable, MaxUnavailable, MinAt cpNode
}

// helmValues looks keys up as the istiod chart sees them: an override (what
// istioctl sets from an IstioOperator's k8s block), then pilot.X over X, over
// the chart default.
type helmValues struct {
	root     cpNode
	override map[string]cpNode
}

// get returns the value of a dotted key and whether it is the chart default.
func (v helmValues) get(key string) cpNode {
	if n, ok := v.override[key]; ok && n.set {
		return n
	}
	keys := strings.Split(key, ".")
	if !strings.HasPrefix(key, "global.") {
		if n := v.root.get(append([]string{"pilot"}, keys...)...); n.set {
			return n
		}
	}
	n := v.root.get(keys...)
	if !n.set {
		// Unset: the chart default, at the path where a fix belongs: the
		// override's (an IstioOperator's k8s block), else the form the file
		// uses (pilot.X unless it writes only top-level keys).
		switch o, ok := v.override[key]; {
		case ok:
			n = o
		case !strings.HasPrefix(key, "global.") && istiodPilotForm(v.root):
			n = v.root.get(append([]string{"pilot"}, keys...)...)
		}
		n.val = istiodChartDefaults[key]
	}
	return n
}

// istiodPilotForm reports whether an istiod values file is written in the
// pilot.X form (or in neither form): then fixes name pilot.X.
func istiodPilotForm(root cpNode) bool {
	if root.get("pilot").set {
		return true
	}
	for _, k := range []string{"autoscaleEnabled", "autoscaleMin", "replicaCount", "resources", "pdb", "affinity", "env"} {
		if root.get(k).set {
			return false
		}
	}
	return true
}

// has reports whether map key parent has child in either form (Helm's hasKey
// after the pilot merge).
func (v helmValues) has(parent, child string) bool {
	return v.root.get("pilot", parent, child).set || v.root.get(parent, child).set
}

// helmTruthy is Helm's (text/template's) truth: false, 0, "", nil and empty
// collections are false; everything else, "false" included, is true.
func helmTruthy(x any) bool {
	switch v := x.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case int:
		return v != 0
	case int64:
		return v != 0
	case uint64:
		return v != 0
	case float64:
		return v != 0
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// helmInt is sprig's `int`: numbers truncate, numeric strings parse,
// anything else is 0.
func helmInt(x any) int64 {
	switch v := x.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case uint64:
		return int64(v)
	case float64:
		return int64(v)
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(v), 0, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return int64(f)
		}
	case bool:
		if v {
			return 1
		}
	}
	return 0
}

// istiodChartRender computes what the istiod chart renders from values.
func istiodChartRender(root cpNode) *chartRender { return helmValues{root: root}.render() }

// iopIstiodRender computes what istioctl renders for istiod from an
// IstioOperator (operator/pkg/render, Istio 1.31 line): spec.values goes to
// the istiod chart, with k8s.hpaSpec.minReplicas/maxReplicas and a positive
// k8s.replicaCount translated to pilot.autoscaleMin/autoscaleMax/replicaCount
// first (manifest.go), then k8s.podDisruptionBudget is patched onto the PDB
// the chart rendered, if any, dropping minAvailable when both bounds result
// (postprocess.go).
func iopIstiodRender(values, k8s cpNode) *chartRender {
	over := map[string]cpNode{
		"autoscaleMin": k8s.get("hpaSpec", "minReplicas"),
		"autoscaleMax": k8s.get("hpaSpec", "maxReplicas"),
		"replicaCount": k8s.get("replicaCount"),
	}
	if n := over["replicaCount"]; n.set && helmInt(n.val) <= 0 {
		n.set = false // istioctl translates only a positive count
		over["replicaCount"] = n
	}
	r := helmValues{root: values, override: over}.render()
	if !r.PDB {
		return r
	}
	patch := k8s.get("podDisruptionBudget")
	if minA := patch.get("minAvailable"); minA.set {
		r.MinAvailable, r.MinAt = minA, minA
	}
	if maxU := patch.get("maxUnavailable"); maxU.set {
		r.MaxUnavailable = maxU
	}
	if r.MinAvailable.val != nil && r.MaxUnavailable.val != nil {
		r.MinAvailable = cpNode{}
	}
	return r
}

// iopGatewayRender computes what istioctl renders for an ingress gateway of
// an IstioOperator (operator/pkg/render, Istio 1.31 line): the legacy
// gateways/istio-ingress chart, whose values live under
// spec.values.gateways.istio-ingressgateway (shared by every entry of
// components.ingressGateways), with the entry's k8s.hpaSpec.minReplicas, a
// positive k8s.hpaSpec.maxReplicas and a positive k8s.replicaCount
// translated into those values first (manifest.go). The chart renders
// spec.replicas (replicaCount as written) only without autoscaling, an HPA
// when autoscaleEnabled, autoscaleMin and autoscaleMax are all truthy, and a
// PodDisruptionBudget with a fixed minAvailable: 1 only when
// global.defaultPodDisruptionBudget.enabled and the floor is above 1;
// k8s.podDisruptionBudget is then patched onto that PDB, if any, dropping
// minAvailable when both bounds result (postprocess.go).
func iopGatewayRender(values, k8s cpNode) *chartRender {
	gw := values.get("gateways", "istio-ingressgateway")
	// pick is the translated k8s setting, else the chart value, else def
	// at the k8s path (where a fix belongs).
	pick := func(over cpNode, key string, def any) cpNode {
		if over.set {
			return over
		}
		if n := gw.get(key); n.set {
			return n
		}
		over.val = def
		return over
	}
	positive := func(n cpNode) cpNode {
		if n.set && helmInt(n.val) <= 0 {
			n.set, n.val = false, nil // istioctl translates only a positive value
		}
		return n
	}
	autoscale := gw.get("autoscaleEnabled")
	if !autoscale.set {
		autoscale.val = true
	}
	minR := pick(k8s.get("hpaSpec", "minReplicas"), "autoscaleMin", int64(1))
	maxR := pick(positive(k8s.get("hpaSpec", "maxReplicas")), "autoscaleMax", int64(5))
	count := pick(positive(k8s.get("replicaCount")), "replicaCount", nil)
	r := &chartRender{}
	on := helmTruthy(autoscale.val)
	switch {
	case on:
		r.Floor, r.FloorAt = hpaFloor(minR, maxR)
	case count.val != nil:
		r.Floor, r.FloorAt = helmInt(count.val), count
	default: // `replicas:` renders null: the API server's 1
		r.Floor, r.FloorAt = 1, count
	}
	pdbOn := values.get("global", "defaultPodDisruptionBudget", "enabled")
	if !pdbOn.set {
		pdbOn.val = true
	}
	switch {
	case !helmTruthy(pdbOn.val):
		r.NoPDBAt = pdbOn
	case on && helmInt(minR.val) > 1, !on && helmInt(count.val) > 1:
		r.PDB = true
	case on:
		r.NoPDBAt = minR
	default:
		r.NoPDBAt = count
	}
	patch := k8s.get("podDisruptionBudget")
	r.MinAt = patch.get("minAvailable")
	if !r.PDB {
		return r
	}
	r.MinAvailable = r.MinAt
	r.MinAvailable.val = int64(1) // the chart's fixed bound
	if minA := patch.get("minAvailable"); minA.set {
		r.MinAvailable = minA
	}
	if maxU := patch.get("maxUnavailable"); maxU.set {
		r.MaxUnavailable = maxU
		if !patch.get("minAvailable").set || r.MinAvailable.val != nil {
			r.MinAvailable = cpNode{}
		}
	}
	return r
}

// hpaFloor is the replica floor of an Istio chart with autoscaling on: the
// HPA's minimum when autoscaleMin and autoscaleMax are both truthy (only then
// is an HPA rendered), else 1 (replicas omitted, the API server's default),
// with the value that decides it.
func hpaFloor(minR, maxR cpNode) (int64, cpNode) {
	switch {
	case helmTruthy(minR.val) && helmTruthy(maxR.val):
		return helmInt(minR.val), minR
	case helmTruthy(minR.val):
		return 1, maxR
	}
	return 1, minR
}

// render computes what the istiod chart renders from these values.
func (v helmValues) render() *chartRender {
	autoscale := v.get("autoscaleEnabled")
	minR, maxR, count := v.get("autoscaleMin"), v.get("autoscaleMax"), v.get("replicaCount")
	r := &chartRender{}
	on := helmTruthy(autoscale.val)
	switch {
	case on:
		r.Floor, r.FloorAt = hpaFloor(minR, maxR)
	case helmTruthy(count.val):
		r.Floor, r.FloorAt = helmInt(count.val), count
	default:
		r.Floor, r.FloorAt = 1, count
	}
	pdbOn := v.get("global.defaultPodDisruptionBudget.enabled")
	switch {
	case !helmTruthy(pdbOn.val):
		r.NoPDBAt = pdbOn
	case on && helmInt(minR.val) > 1, !on && helmInt(count.val) > 1:
		r.PDB = true
	case on:
		r.NoPDBAt = minR
	default:
		r.NoPDBAt = count
	}
	r.MinAt = v.get("pdb.minAvailable")
	if minA := r.MinAt; helmTruthy(minA.val) && !v.has("pdb", "maxUnavailable") {
		r.MinAvailable = minA
	} else if maxU := v.get("pdb.maxUnavailable"); helmTruthy(maxU.val) {
		r.MaxUnavailable = maxU
	}
	return r
}

// cpCheckChartPDB applies IGR603 to what the chart renders.
func cpCheckChartPDB(r *chartRender, pdbPath fmt.Stringer) []Violation {
	fix := "set " + pdbPath.String() + ".minAvailable: 2, with at least 3 replicas"
	if !r.PDB {
		at := r.NoPDBAt
		switch {
		case strings.HasSuffix(at.path.String(), "podDisruptionBudget"):
			return []Violation{Required(at.path, "is empty, so the chart renders no PodDisruptionBudget").
				WithFix("set " + at.path.String() + ".minAvailable: 2 (with at least 3 replicas)")}
		case strings.HasSuffix(at.path.String(), "defaultPodDisruptionBudget.enabled"):
			return []Violation{Invalid(at.path, at.val, "renders no PodDisruptionBudget").
				WithFix("remove " + at.path.String() + "; " + fix)}
		case !at.set:
			return []Violation{Required(at.path, fmt.Sprintf("defaults to %v, so the chart renders no PodDisruptionBudget", at.val)).
				WithFix("set " + at.path.String() + ": 3")}
		}
		return []Violation{Invalid(at.path, at.val, "renders no PodDisruptionBudget (needs a floor above 1)").
			WithFix("set " + at.path.String() + ": 3")}
	}
	switch {
	case r.MinAvailable.val != nil:
		if n, ok := cpScaled(r.MinAvailable, r.Floor); ok && n >= 2 {
			return nil
		}
		return []Violation{Invalid(r.MinAvailable.path, r.MinAvailable.val, "must be at least 2 (or use maxUnavailable: 1)").WithFix(fix)}
	case r.MaxUnavailable.val != nil:
		if n, ok := cpScaled(r.MaxUnavailable, r.Floor); ok && n <= 1 {
			return nil
		}
		return []Violation{Invalid(r.MaxUnavailable.path, r.MaxUnavailable.val, "must be at most 1 (or use minAvailable: 2)").
			WithFix("set " + r.MaxUnavailable.path.String() + ": 1")}
	}
	return []Violation{Required(r.MinAt.path, "renders a PDB without bounds; needs minAvailable >= 2").WithFix(fix)}
}

// gatewayChartRender computes what the gateway chart (manifests/charts/gateway,
// Istio 1.31 line) renders for replicas and the PDB: spec.replicas only when
// autoscaling.enabled is false and replicaCount is not null; an HPA with
// autoscaling.minReplicas while autoscaling is on; a PodDisruptionBudget only
// when podDisruptionBudget is non-empty and the floor is above 1, with that
// map copied into its spec as written.
func gatewayChartRender(root cpNode) *chartRender {
	autoscale, minR, count := root.get("autoscaling", "enabled"), root.get("autoscaling", "minReplicas"), root.get("replicaCount")
	on := true
	if autoscale.set {
		on = helmTruthy(autoscale.val)
	}
	if !minR.set {
		minR.val = int64(1)
	}
	r := &chartRender{}
	switch {
	case on:
		r.Floor, r.FloorAt = helmInt(minR.val), minR
	case count.val != nil:
		r.Floor, r.FloorAt = helmInt(count.val), count
	default:
		r.Floor, r.FloorAt = 1, count
	}
	pdb := root.get("podDisruptionBudget")
	floorAbove1 := (on && helmInt(minR.val) > 1) || (!on && helmInt(count.val) > 1)
	switch {
	case !helmTruthy(pdb.val):
		r.NoPDBAt = pdb
	case !floorAbove1:
		r.NoPDBAt = r.FloorAt
	default:
		r.PDB = true
	}
	r.MinAt = pdb.get("minAvailable")
	if r.PDB {
		if n := pdb.get("minAvailable"); n.set {
			r.MinAvailable = n
		}
		if n := pdb.get("maxUnavailable"); n.set {
			r.MaxUnavailable = n
		}
	}
	return r
}
