package policy

import "istio.io/api/annotation"

func ruleIGR710() *Rule {
	return &Rule{
		ID:    "IGR710",
		Title: "Invalid sidecar resource annotations",
		Description: "A proxy resource annotation (`" + annotation.SidecarProxyCPU.Name + "`, `" +
			annotation.SidecarProxyCPULimit.Name + "`, `" + annotation.SidecarProxyMemory.Name + "`, `" +
			annotation.SidecarProxyMemoryLimit.Name + "`) is not a valid quantity, is negative, or sets a request " +
			"above its limit. Istio's injector fails on such a pod, and mutator IGR901 will not silently rewrite " +
			"what the user wrote, so the pod is rejected with the exact annotation to fix.",
		Remediation:   "set the annotation to a valid Kubernetes quantity (e.g. 100m, 128Mi) with request <= limit",
		Istio:         "injector: `sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit`, `proxyMemoryLimit` are Kubernetes quantities; invalid ones fail injection.",
		Targets:       podAndWorkloadKinds(),
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok {
				return nil
			}
			return InvalidProxyResourceAnnotations(pt)
		},
	}
}
