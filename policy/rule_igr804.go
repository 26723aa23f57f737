package policy

import (
	securityapi "istio.io/api/security/v1beta1"
)

// ruleIGR804 requires a default-deny AuthorizationPolicy in every mesh namespace.
func ruleIGR804() *Rule {
	return &Rule{
		ID:    "IGR804",
		Title: "Mesh namespace without a default-deny AuthorizationPolicy",
		Description: "Cross-object rule (audit). Without an ALLOW policy, Istio allows every request to a workload; " +
			"the zero-trust baseline is a policy that applies to all workloads of the namespace and allows nothing " +
			"(action ALLOW, the default, with no rules: `spec: {}`) or denies everything (action DENY with an empty " +
			"rule `rules: [{}]`), on top of which ALLOW policies open what is needed. A policy applies to all " +
			"workloads when it has no selector (or an empty one) and no targetRefs; one in the root namespace " +
			"(parameter `rootNamespace`) applies to every namespace. AUDIT and CUSTOM policies do not count. " +
			"Reported on the Namespace. Needs the whole cluster.",
		Remediation:   "create an AuthorizationPolicy with spec: {} in the namespace (allow nothing), then ALLOW what is needed",
		Istio:         "AuthorizationPolicy proto (istio.io/api v1.31): ALLOW with no rules matches nothing; an empty rule matches every request; root-namespace policies apply mesh-wide; the deny-all and allow-nothing examples of Istio's docs.",
		Targets:       []Kind{KindNamespace},
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR804),
		ClusterOnly:   true,
		Params:        ParamsOf(RootNamespaceParams{RootNamespace: "istio-system"}),
		Check:         crossObjectOnly,
	}
}

// defaultDeny reports whether ap denies, for every workload it applies to,
// every request no ALLOW policy lets through, and applies to all workloads
// of its namespace.
func (ap *apFacts) defaultDeny() bool {
	if ap.hasSelector || ap.targeted {
		return false
	}
	switch ap.action {
	case securityapi.AuthorizationPolicy_ALLOW:
		return ap.rules == 0
	case securityapi.AuthorizationPolicy_DENY:
		return ap.emptyRules > 0
	}
	return false
}

// defaultDenyPolicies returns the default-deny policies that cover ns: its
// own and the root namespace's.
func (c *ClusterIndex) defaultDenyPolicies(root, ns string) []*apFacts {
	var out []*apFacts
	for _, ap := range c.authzs {
		if (ap.ref.Namespace == ns || ap.ref.Namespace == root) && ap.defaultDeny() {
			out = append(out, ap)
		}
	}
	return out
}

func checkIGR804(c *ClusterIndex, p *RootNamespaceParams) []clusterViolation {
	if !c.complete {
		return nil
	}
	root := p.RootNamespace
	var out []clusterViolation
	for _, ns := range c.meshNamespaces() {
		if len(c.defaultDenyPolicies(root, ns)) > 0 {
			continue
		}
		at, val := meshLabel(c.namespaces[ns].labels)
		v := Invalid(at, val, "enrols it in the mesh, but no default-deny AuthorizationPolicy applies")
		out = append(out, clusterViolation{on: c.namespaces[ns].subject, Violation: v})
	}
	return out
}
