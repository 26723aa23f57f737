package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR803 reports DestinationRules that turn TLS off towards workloads
// that require STRICT mTLS.
func ruleIGR803() *Rule {
	return &Rule{
		ID:    "IGR803",
		Title: "DestinationRule disables TLS towards a STRICT workload",
		Description: "Cross-object rule (audit and `check`). A DestinationRule with `tls.mode: DISABLE` (for the whole " +
			"host or a port) makes clients send plaintext, which a server whose effective mTLS mode is STRICT " +
			"refuses: the traffic fails, and the usual \"fix\" is to weaken the server. The host is resolved as " +
			"Istio resolves DestinationRule hosts (a short name in the rule's namespace, or " +
			"`name.namespace.svc.<domain>`); the Service's selector and target ports name the workloads and ports, " +
			"and the effective mode is computed as in IGR802. Without the Service (a partial input), the " +
			"namespace's mode is used only when no workload policy exists there.",
		Remediation:   "use tls.mode: ISTIO_MUTUAL (or drop the tls block: auto mTLS) towards mesh workloads",
		Istio:         "DestinationRule ClientTLSSettings (istio.io/api v1.31); host short names resolve in the rule's namespace (ResolveShortnameToFQDN); server modes as ComposePeerAuthentication.",
		Targets:       []Kind{KindDestinationRule},
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR803),
		Params:        ParamsOf(RootNamespaceParams{RootNamespace: "istio-system"}),
		Check:         crossObjectOnly,
	}
}

// HostNamespaces returns, sorted, the namespaces the DestinationRules that
// disable TLS send traffic to: a caller that indexed only some namespaces
// adds those too, or IGR803 cannot judge them.
func (c *ClusterIndex) HostNamespaces() []string {
	set := map[string]bool{}
	for _, dr := range c.destRules {
		if ns, _, ok := serviceOfHost(dr.host, dr.ref.Namespace); ok {
			set[ns] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// serviceOfHost resolves a DestinationRule host to a Service namespace and
// name; a wildcard first label (*.ns.svc.cluster.local) resolves to the
// namespace with name "*".
func serviceOfHost(host, drNamespace string) (ns, name string, ok bool) {
	parts := strings.Split(host, ".")
	switch {
	case len(parts) == 1 && host != "" && host != "*":
		return drNamespace, host, true
	case len(parts) >= 4 && parts[2] == "svc" && parts[1] != "" && parts[0] != "":
		return parts[1], parts[0], true
	}
	return "", "", false
}

func checkIGR803(c *ClusterIndex, p *RootNamespaceParams) []clusterViolation {
	root := p.RootNamespace
	var out []clusterViolation
	for _, dr := range c.destRules {
		ns, name, ok := serviceOfHost(dr.host, dr.ref.Namespace)
		if !ok {
			continue
		}
		for _, d := range dr.disabled {
			if port, strict := c.requiresStrict(root, ns, name, d.port); strict {
				msg := fmt.Sprintf("sends plaintext to %s, which requires STRICT mTLS", hostPort(dr.host, port))
				out = append(out, clusterViolation{on: dr.subject, Violation: Invalid(field.NewPath(d.path), "DISABLE", msg)})
			}
		}
	}
	return out
}

func hostPort(host string, port uint32) string {
	if port == 0 {
		return host
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// requiresStrict reports whether the workloads behind Service ns/name (or
// namespace ns when name is "*") refuse plaintext on service port port (0:
// any of its ports), and the port found.
func (c *ClusterIndex) requiresStrict(root, ns, name string, port uint32) (uint32, bool) {
	svc := c.services[ns+"/"+name]
	if svc == nil {
		if !c.complete || name == "*" {
			return port, !c.hasWorkloadPolicy(ns) && c.effectiveMTLS(root, ns, nil).strict()
		}
		return 0, false // the host is no Service of the cluster: nothing to judge
	}
	var backends []*wlFacts
	for _, w := range c.sortedWorkloads(ns) {
		if selectorMatches(svc.selector, w.labels) {
			backends = append(backends, w)
		}
	}
	if len(backends) == 0 {
		return 0, false
	}
	ports := []uint32{port}
	if port == 0 {
		ports = sortedPorts(svc.ports)
	}
	for _, sp := range ports {
		target, ok := svc.ports[sp]
		if !ok {
			continue
		}
		strict := true
		for _, w := range backends {
			strict = strict && c.effectiveMTLS(root, ns, w.labels).forPort(target).strict()
		}
		if strict {
			return sp, true
		}
	}
	return 0, false
}

// hasWorkloadPolicy reports whether ns holds a PeerAuthentication with a selector.
func (c *ClusterIndex) hasWorkloadPolicy(ns string) bool {
	for _, pa := range c.peerAuths {
		if pa.ref.Namespace == ns && len(pa.selector) > 0 {
			return true
		}
	}
	return false
}

func sortedPorts(m map[uint32]uint32) []uint32 { return slices.Sorted(maps.Keys(m)) }
