package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func ruleIGR603() *Rule {
	return &Rule{
		ID:    "IGR603",
		Title: "istiod without a PodDisruptionBudget that keeps two replicas",
		Description: "A voluntary disruption (node drain, cluster upgrade) may otherwise evict istiod replicas together. " +
			"The PDB must keep `minAvailable >= 2` or allow `maxUnavailable <= 1` (percentages are scaled by the " +
			"replica floor). istiod chart values are judged on what the chart renders (Istio 1.2x/1.31 " +
			"`poddisruptionbudget.yaml`, checked against the real chart by the render-parity suite): a PDB exists only " +
			"when `global.defaultPodDisruptionBudget.enabled` is true and the replica floor is above 1 (`autoscaleMin` " +
			"with autoscaling, `replicaCount` without), so the chart defaults render none; its bounds come from " +
			"`pdb.minAvailable` (default 1) unless `pdb` has a `maxUnavailable` key, and Helm truthiness applies " +
			"(`maxUnavailable: 0` renders no bound, a quoted \"false\" is true). Keys may be written as `X` or " +
			"`pilot.X`; `pilot.X` wins, as the chart merges it. `podDisruptionBudget` is not an istiod chart key. " +
			"IstioOperator sources: `spec.components.pilot.k8s.podDisruptionBudget` over the default PDB. A rendered " +
			"istiod Deployment (`helm template istiod ... | istio-guardrail check -f -`) is judged with the " +
			"PodDisruptionBudgets of the same input that select its pods, scaled by its HPA's minReplicas; at " +
			"admission the Deployment arrives alone and is not judged by this rule.",
		Remediation:   "give istiod a PodDisruptionBudget with minAvailable: 2 (or maxUnavailable: 1)",
		Istio:         "istiod chart poddisruptionbudget.yaml (1.31 line, checked by test/render): a PDB only with `global.defaultPodDisruptionBudget.enabled` and a floor above 1; bounds from `pdb.minAvailable` (default 1) unless `pdb.maxUnavailable` is a key; the chart defaults render no PDB.",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues, KindDeployment},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Check: func(ctx *Context, obj *Object, _ Params) []Violation {
			if d, ok := istiodDeploymentOf(obj); ok {
				if ctx == nil || ctx.Scaling == nil {
					return nil // the PDB is another object: judged only with the whole set
				}
				return checkRenderedPDB(ctx.Scaling, d)
			}
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Istiod == nil {
				return nil
			}
			return cpCheckPDB(cp.Istiod)
		},
	}
}

// cpPDBRequirement is the message every PDB violation ends with.
const cpPDBRequirement = "needs minAvailable >= 2 or maxUnavailable <= 1"

// cpCheckPDB reports a component whose PodDisruptionBudget lets all but one replica go.
func cpCheckPDB(c *cpComponent) []Violation {
	if c.Defaults.Rendered {
		return nil
	}
	if c.Chart != nil {
		return cpCheckChartPDB(c.Chart, c.PDB.path)
	}
	pdb := c.PDB
	if len(cpMap(pdb.val)) > 0 {
		return cpCheckPDBSpec(pdb, c)
	}
	fix := cpPDBFix(pdb.path)
	defaultOn := c.Defaults.DefaultPDB
	if b, ok := c.DefaultPDB.boolean(); ok && c.Defaults.DefaultPDB {
		defaultOn = b
		if !b {
			return []Violation{Invalid(c.DefaultPDB.path, false, "removes the default PDB and no podDisruptionBudget is set").WithFix(fix)}
		}
	}
	if defaultOn {
		return []Violation{Required(pdb.path, "is unset, so the default PDB keeps only minAvailable: 1").WithFix(fix)}
	}
	return []Violation{Required(pdb.path, "no PodDisruptionBudget; "+cpPDBRequirement).WithFix(fix)}
}

// cpCheckPDBSpec checks an explicit PDB spec (minAvailable/maxUnavailable).
func cpCheckPDBSpec(pdb cpNode, c *cpComponent) []Violation {
	floor, _, _ := cpReplicaFloor(c) // always known: rendered sources are not checked
	minA, maxU := pdb.get("minAvailable"), pdb.get("maxUnavailable")
	if n, ok := cpScaled(minA, floor); ok {
		if n >= 2 {
			return nil
		}
		return []Violation{Invalid(minA.path, minA.val, "must be at least 2 (or use maxUnavailable: 1)").WithFix(cpPDBFix(pdb.path))}
	}
	if n, ok := cpScaled(maxU, floor); ok {
		if n <= 1 {
			return nil
		}
		return []Violation{Invalid(maxU.path, maxU.val, "must be at most 1 (or use minAvailable: 2)").WithFix("set " + maxU.path.String() + ": 1")}
	}
	return []Violation{Required(minA.path, cpPDBRequirement).WithFix(cpPDBFix(pdb.path))}
}

// cpScaled resolves an int-or-percent PDB bound against the replica floor,
// rounding up as the disruption controller does; ok=false when n is absent or
// malformed (PDBs are only checked on sources whose replica floor is known).
func cpScaled(n cpNode, replicas int64) (int64, bool) {
	if v, ok := n.number(); ok {
		return int64(v), true
	}
	s, ok := n.str()
	if !ok || !strings.HasSuffix(s, "%") {
		return 0, false
	}
	pct, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || replicas <= 0 {
		return 0, false
	}
	return int64(math.Ceil(pct * float64(replicas) / 100)), true
}

// cpPDBFix formats the usual fix for a PDB path.
func cpPDBFix(pdbPath fmt.Stringer) string { return "set " + pdbPath.String() + ".minAvailable: 2" }
