package policy

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

func ruleIGR711() *Rule {
	return &Rule{
		ID:    "IGR711",
		Title: "Injected istio-proxy without resource limits",
		Description: "The pod's injected `istio-proxy` container (classic, or native in `initContainers`) has no CPU " +
			"or memory limit. Mutator IGR901 sets them, so this finding on a final object means IGR901 is off or a " +
			"later webhook removed them; an unbounded proxy can starve its node. Audit by default: the gap is " +
			"made visible without blocking the rollout.",
		Remediation:   "enable IGR901 or set sidecar.istio.io/proxyCPULimit and proxyMemoryLimit on the pod template",
		Istio:         "injector: with any `sidecar.istio.io/proxy*` resource annotation set, `global.proxy.resources` is dropped; native sidecars are `initContainers` with restartPolicy Always.",
		Targets:       podAndWorkloadKinds(),
		DefaultAction: ActionAudit,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok {
				return nil
			}
			c, p, loc := InjectedSidecar(pt)
			if loc == SidecarNone {
				return nil
			}
			var missing []string
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Limits[r]; !ok {
					missing = append(missing, string(r))
				}
			}
			if len(missing) == 0 {
				return nil
			}
			msg := "istio-proxy has no " + strings.Join(missing, " or ") + " limit"
			return []Violation{Required(p.Child("resources", "limits"), msg)}
		},
	}
}
