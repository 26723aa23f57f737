package policy

// ruleIGR805 requires a NetworkPolicy in every mesh namespace.
func ruleIGR805() *Rule {
	return &Rule{
		ID:    "IGR805",
		Title: "Mesh namespace without a NetworkPolicy",
		Description: "Cross-object rule (audit). Istio's authorization runs in the sidecar; a pod that bypasses it " +
			"(a container port excluded from capture, a pod without sidecar) is reachable by anything in the " +
			"cluster unless a Kubernetes NetworkPolicy also restricts traffic, which Istio's security best " +
			"practices ask for as defence in depth. Reported on each mesh namespace that has no NetworkPolicy at " +
			"all; what the policies allow is not judged. Needs the whole cluster.",
		Remediation:   "add a NetworkPolicy to the namespace (a default-deny ingress policy plus the flows the mesh needs)",
		Istio:         "Istio security best practices (istio.io/latest/docs/ops/best-practices/security, Istio 1.31): NetworkPolicies as a second layer.",
		Targets:       []Kind{KindNamespace},
		DefaultAction: ActionWarn,
		CELGap:        celCluster,
		Cluster:       checkIGR805,
		ClusterOnly:   true,
		Check:         crossObjectOnly,
	}
}

func checkIGR805(c *ClusterIndex, _ Params) []clusterViolation {
	if !c.complete {
		return nil
	}
	var out []clusterViolation
	for _, ns := range c.meshNamespaces() {
		if c.netpols[ns] > 0 {
			continue
		}
		at, val := meshLabel(c.namespaces[ns].labels)
		v := Invalid(at, val, "enrols it in the mesh, but it has no NetworkPolicy")
		out = append(out, clusterViolation{on: c.namespaces[ns].subject, Violation: v})
	}
	return out
}
