package policy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR808 reports pods whose sidecar comes from another revision than the
// one their namespace now selects.
func ruleIGR808() *Rule {
	return &Rule{
		ID:    "IGR808",
		Title: "Pod's sidecar from another revision than its namespace's",
		Description: "Cross-object rule (audit). After a namespace is moved to a new revision (relabelled " +
			"`istio.io/rev`, or its tag moved), running pods keep the proxy the old revision injected until they " +
			"are restarted: an older proxy, often connected to a control plane that is being removed. The " +
			"revision a pod was injected by is read from its `sidecar.istio.io/status` annotation; the " +
			"namespace's from `istio-injection=enabled` (the `default` tag, else revision `default`) or " +
			"`istio.io/rev`, resolving revision tags through their webhooks. Needs the whole cluster.",
		Remediation:   "restart the pod's workload (kubectl rollout restart) so the namespace's revision injects it",
		Istio:         "SidecarInjectionStatus.revision (pkg/kube/inject/inject.go) and revision-tags-mwc.yaml (Istio 1.31).",
		Targets:       []Kind{KindPod},
		DefaultAction: ActionWarn,
		CELGap:        celCluster,
		Cluster:       checkIGR808,
		ClusterOnly:   true,
		Check:         crossObjectOnly,
	}
}

func checkIGR808(c *ClusterIndex, _ Params) []clusterViolation {
	if !c.complete {
		return nil
	}
	var out []clusterViolation
	for _, pod := range c.pods {
		ns, ok := c.namespaces[pod.ref.Namespace]
		if !ok || !pod.sidecar || pod.sidecarRev == "" {
			continue
		}
		rev, _, _ := namespaceRevision(ns.labels)
		if rev == "" || !c.injectorExists(rev) {
			continue // not injected by the namespace, or IGR806's finding
		}
		if want := c.resolveRevision(rev); want != pod.sidecarRev {
			at := field.NewPath("metadata", "annotations").Key("sidecar.istio.io/status")
			msg := "names revision " + pod.sidecarRev + "; the namespace now injects " + want
			out = append(out, clusterViolation{on: pod.subject, Violation: Required(at, msg)})
		}
	}
	return out
}
