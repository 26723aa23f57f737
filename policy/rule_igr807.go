package policy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR807 reports pods running without a sidecar in injected namespaces.
func ruleIGR807() *Rule {
	return &Rule{
		ID:    "IGR807",
		Title: "Pod without sidecar in an injected namespace",
		Description: "Cross-object rule (audit). Injection happens when a pod is created: pods that existed before " +
			"the namespace was labelled for injection (or that were created while the injector was down with " +
			"`failurePolicy: Ignore`) keep running without `istio-proxy`, outside mTLS and authorization, until " +
			"they are restarted. Reported on each running pod of a namespace that injects sidecars " +
			"(`istio-injection=enabled`, or `istio.io/rev` without `istio-injection`; not ambient) that has no " +
			"istio-proxy container, unless the pod opts out (`sidecar.istio.io/inject: \"false\"` as the " +
			"injector reads it) or uses the host network (never injected, IGR702). Needs the whole cluster.",
		Remediation:   "restart the pod's workload (kubectl rollout restart) so the injector adds the sidecar",
		Istio:         "injectRequired (pkg/kube/inject/inject.go, Istio 1.31): namespace labels, the pod's label or annotation sidecar.istio.io/inject, hostNetwork pods never injected; kube-system and kube-public ignored.",
		Targets:       []Kind{KindPod},
		DefaultAction: ActionWarn,
		CELGap:        celCluster,
		Cluster:       checkIGR807,
		ClusterOnly:   true,
		Check:         crossObjectOnly,
	}
}

func checkIGR807(c *ClusterIndex, _ Params) []clusterViolation {
	if !c.complete {
		return nil
	}
	var out []clusterViolation
	for _, pod := range c.pods {
		ns, ok := c.namespaces[pod.ref.Namespace]
		inj := podInjectionOf(&pod.injectMeta, c.istio)
		switch {
		case !ok || pod.sidecar || pod.hostNetwork:
			continue
		case pod.ref.Namespace == "kube-system" || pod.ref.Namespace == "kube-public":
			continue
		case inj.Set && !inj.Inject:
			continue
		case !namespaceInjected(ns.labels):
			continue
		}
		at := field.NewPath("spec", "containers")
		out = append(out, clusterViolation{on: pod.subject, Violation: Required(at, "has no istio-proxy, though the namespace injects sidecars")})
	}
	return out
}
