package policy

import (
	"fmt"
	"math"
)

// IGR601Params are the parameters of IGR601.
type IGR601Params struct {
	MinReplicas int `yaml:"minReplicas" desc:"fewest istiod replicas (HPA minimum or fixed count)"`
}

func ruleIGR601() *Rule {
	return &Rule{
		ID:    "IGR601",
		Title: "istiod runs with too few replicas",
		Description: "istiod serves configuration, certificates and sidecar injection to the whole mesh; with one replica, " +
			"a node drain or a crash stops injection (and, with a fail-closed injector, all pod creation). " +
			"The rule reads the replica floor where the source decides it: the HPA minimum when autoscaling is on " +
			"(the default of the istiod chart and of IstioOperator, where a fixed `replicaCount` is ignored), " +
			"otherwise `replicaCount`. Unset settings take the defaults (1), so a missing setting is a hit. " +
			"Sources: IstioOperator `spec.components.pilot.k8s` and `spec.values.pilot`, istiod chart values " +
			"(`pilot.*` or top level, judged as the chart renders them: Helm truthiness, `pilot.*` wins, no HPA " +
			"unless `autoscaleMin` and `autoscaleMax` are set), and rendered istiod Deployments. In `check` a " +
			"rendered Deployment is judged with the HorizontalPodAutoscaler of the same input that scales it " +
			"(its minReplicas, else `spec.replicas`, default 1), so a rendered chart gets its values' verdict. At " +
			"admission the HPA is another object and the API server sets an omitted `spec.replicas` to 1 before " +
			"webhooks run, so only an explicit count between 2 and the minimum is reported, as a warning.",
		Remediation:   "run at least 3 istiod replicas: set the HPA minimum (or replicaCount without autoscaling) to 3",
		Istio:         "istiod chart (istio.io/istio 1.31 line, checked by test/render): replicas omitted while `autoscaleEnabled`, HPA only with `autoscaleMin` and `autoscaleMax` truthy, `pilot.X` over `X`, Helm truthiness; defaults autoscaleMin 1; rendered Deployments judged with their HPA in `check`.",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues, KindDeployment},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Params:        ParamsOf(IGR601Params{MinReplicas: 3}),
		Check: checkWith(func(ctx *Context, obj *Object, p *IGR601Params) []Violation {
			floor := int64(p.MinReplicas)
			if d, ok := istiodDeploymentOf(obj); ok && ctx != nil && ctx.Scaling != nil {
				return checkRenderedReplicas(ctx.Scaling, d, floor)
			}
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Istiod == nil {
				return nil
			}
			return cpCheckReplicas(cp.Istiod, floor)
		}),
	}
}

// autoscaled reports whether an HPA manages the component's replicas.
func (c *cpComponent) autoscaled() bool {
	if b, ok := c.Autoscale.boolean(); ok {
		return b
	}
	return c.Defaults.Autoscale && !c.Defaults.Rendered
}

// cpReplicaFloor returns the fewest replicas the component can run with and
// the node that decides it; ok=false when the source cannot tell.
func cpReplicaFloor(c *cpComponent) (n int64, at cpNode, ok bool) {
	if c.Chart != nil {
		return c.Chart.Floor, c.Chart.FloorAt, true
	}
	if c.autoscaled() {
		return cpIntOr(c.HPAMin, c.Defaults.HPAMin), c.HPAMin, true
	}
	if _, isNum := c.Replicas.number(); !isNum && c.Defaults.Replicas == 0 {
		return 0, c.Replicas, false
	}
	return cpIntOr(c.Replicas, c.Defaults.Replicas), c.Replicas, true
}

// cpIntOr returns the node as an integer, or def when it is absent or not a number.
func cpIntOr(n cpNode, def int64) int64 {
	if f, ok := n.number(); ok {
		return int64(math.Floor(f))
	}
	return def
}

// cpCheckReplicas reports a replica count below floor at the setting that decides it.
func cpCheckReplicas(c *cpComponent, floor int64) []Violation {
	if c.Defaults.Rendered {
		return cpCheckRenderedReplicas(c, floor)
	}
	n, at, ok := cpReplicaFloor(c)
	if !ok || n >= floor {
		return nil
	}
	fix := fmt.Sprintf("set %s: %d", at.path, floor)
	if _, isNum := at.number(); isNum && at.set {
		return []Violation{Invalid(at.path, at.val, fmt.Sprintf("must be at least %d", floor)).WithFix(fix)}
	}
	return []Violation{Required(at.path, fmt.Sprintf("defaults to %d; must be at least %d", n, floor)).WithFix(fix)}
}

// cpCheckRenderedReplicas checks spec.replicas of a rendered Deployment, whose
// HPA (a separate object) may own the count. Istio's charts omit spec.replicas
// when autoscaling is on and the API server defaults it to 1 before any webhook
// runs, so 1 or no value tells nothing and is not reported: check and admission
// must agree. A count above 1 but below floor is reported as advisory only.
func cpCheckRenderedReplicas(c *cpComponent, floor int64) []Violation {
	f, ok := c.Replicas.number()
	if n := int64(math.Floor(f)); !ok || n <= 1 || n >= floor {
		return nil
	}
	msg := fmt.Sprintf("is below %d; fine only if an HPA keeps minReplicas >= %d", floor, floor)
	fix := fmt.Sprintf("set %s: %d, or an HPA with minReplicas: %d", c.Replicas.path, floor, floor)
	return []Violation{Invalid(c.Replicas.path, c.Replicas.val, msg).WithFix(fix).AsAdvisory()}
}
