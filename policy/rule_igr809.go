package policy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR809 reports policies whose workload selector matches no workload.
func ruleIGR809() *Rule {
	return &Rule{
		ID:    "IGR809",
		Title: "Policy selector matches no workload",
		Description: "Cross-object rule (audit). An AuthorizationPolicy or PeerAuthentication with a " +
			"`selector.matchLabels` that no pod or pod template carries protects nothing: usually a typo or a " +
			"renamed app label, and the workload it meant runs under the namespace defaults. A selector matches " +
			"the workloads of the policy's namespace, or of every namespace for an AuthorizationPolicy in the root " +
			"namespace (parameter `rootNamespace`). A PeerAuthentication with a selector in the root namespace is " +
			"ignored by istiod altogether and reported as such. Policies with targetRefs are not judged. " +
			"Needs the whole cluster.",
		Remediation:   "fix spec.selector.matchLabels to the labels of the workload's pods, or delete the policy",
		Istio:         "getConfigsForWorkload and ComposePeerAuthentication (pilot/pkg/model/authentication.go, pilot/pkg/security/authn, Istio 1.31): labels.Instance.SubsetOf; workload-level PeerAuthentication in the root namespace is skipped.",
		Targets:       []Kind{KindAuthorizationPolicy, KindPeerAuthentication},
		DefaultAction: ActionWarn,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR809),
		ClusterOnly:   true,
		Params:        ParamsOf(RootNamespaceParams{RootNamespace: "istio-system"}),
		Check:         crossObjectOnly,
	}
}

func checkIGR809(c *ClusterIndex, p *RootNamespaceParams) []clusterViolation {
	if !c.complete {
		return nil
	}
	root := p.RootNamespace
	at := field.NewPath("spec", "selector", "matchLabels")
	var out []clusterViolation
	for _, pa := range c.peerAuths {
		switch {
		case len(pa.selector) == 0:
		case pa.ref.Namespace == root:
			out = append(out, clusterViolation{on: pa.subject, Violation: Required(at, "is ignored: Istio skips workload selectors in the root namespace")})
		case !c.anyWorkload(pa.ref.Namespace, pa.selector):
			out = append(out, clusterViolation{on: pa.subject, Violation: Required(at, "matches no workload in the namespace")})
		}
	}
	for _, ap := range c.authzs {
		if !ap.hasSelector || ap.targeted {
			continue
		}
		ns, where := ap.ref.Namespace, "in the namespace"
		if ns == root {
			ns, where = "", "in any namespace"
		}
		if !c.anyWorkload(ns, ap.selector) {
			out = append(out, clusterViolation{on: ap.subject, Violation: Required(at, "matches no workload "+where)})
		}
	}
	return out
}

// anyWorkload reports whether a workload of ns ("" for all) matches selector.
func (c *ClusterIndex) anyWorkload(ns string, selector matchLabels) bool {
	for _, w := range c.workloads {
		if (ns == "" || w.namespace == ns) && selector.matches(w.labels) {
			return true
		}
	}
	return false
}
