package policy

import (
	"fmt"
	"sort"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR802 reports mesh namespaces, workloads and ports whose effective
// mTLS mode is not STRICT.
func ruleIGR802() *Rule {
	return &Rule{
		ID:    "IGR802",
		Title: "Effective mTLS mode not STRICT",
		Description: "Cross-object rule (audit). Computes the mTLS mode each mesh namespace, each workload and each of " +
			"its ports ends up with, the way istiod merges policies: the oldest mesh-wide policy, overridden by the " +
			"oldest namespace policy, overridden by the oldest workload policy selecting the workload (selectors in " +
			"the root namespace are ignored), each UNSET level inheriting from its parent, and port-level modes of " +
			"the workload policy last (UNSET inherits the workload's mode); no policy at all means PERMISSIVE. " +
			"Reported on the Namespace when its own mode is weak, on a workload (its first Pod or pod template) when " +
			"a workload policy makes it weak, with the port when a port-level mode does. Needs the whole cluster.",
		Remediation:   "set the deciding PeerAuthentication's mtls.mode (and portLevelMtls modes) to STRICT",
		Istio:         "ComposePeerAuthentication and getConfigsForWorkload (pilot/pkg/security/authn, pilot/pkg/model/authentication.go, Istio 1.31).",
		Targets:       append([]Kind{KindNamespace, KindPod}, WorkloadKinds()...),
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR802),
		ClusterOnly:   true,
		Params:        ParamsOf(RootNamespaceParams{RootNamespace: "istio-system"}),
		Check:         crossObjectOnly,
	}
}

// mtlsMode is an effective mode and the policy that decided it (nil: no
// policy, PERMISSIVE by default).
type mtlsMode struct {
	mode securityapi.PeerAuthentication_MutualTLS_Mode
	from *paFacts
}

func (m mtlsMode) strict() bool { return m.mode == securityapi.PeerAuthentication_MutualTLS_STRICT }

// source names what decided the mode, for messages.
func (m mtlsMode) source() string {
	if m.from == nil {
		return "no policy"
	}
	return m.from.ref.Namespace + "/" + m.from.ref.Name
}

// mtlsResolution is the effective mTLS of a namespace or workload.
type mtlsResolution struct {
	mtlsMode
	// workload is true when a workload policy decided mtlsMode.
	workload bool
	// ports are the port-level modes of the workload policy.
	ports map[uint32]mtlsMode
}

// forPort is the mode on a container port (0: the workload's mode).
func (r mtlsResolution) forPort(port uint32) mtlsMode {
	if m, ok := r.ports[port]; ok {
		return m
	}
	return r.mtlsMode
}

// scopePolicy returns the oldest PeerAuthentication of one scope in ns and
// all of that scope: ns-wide (no selector) when labels is nil, else the
// workload policies selecting labels. Istio orders by creation time, then
// name (sortConfigByCreationTime).
func (c *ClusterIndex) scopePolicy(ns string, labels map[string]string) (*paFacts, []*paFacts) {
	var all []*paFacts
	for _, pa := range c.peerAuths {
		if pa.ref.Namespace != ns {
			continue
		}
		if wide := len(pa.selector) == 0; wide != (labels == nil) {
			continue
		}
		if labels != nil && !pa.selector.matches(labels) {
			continue
		}
		all = append(all, pa)
	}
	if len(all) == 0 {
		return nil, nil
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if !a.created.Equal(&b.created) {
			return a.created.Before(&b.created)
		}
		return a.ref.Name < b.ref.Name
	})
	return all[0], all
}

// effectiveMTLS resolves the mode of namespace ns (labels nil) or of a
// workload with labels in ns, as ComposePeerAuthentication does.
func (c *ClusterIndex) effectiveMTLS(root, ns string, labels map[string]string) mtlsResolution {
	res := mtlsResolution{mtlsMode: mtlsMode{mode: securityapi.PeerAuthentication_MutualTLS_PERMISSIVE}}
	inherit := func(pa *paFacts) {
		if pa != nil && pa.mode != securityapi.PeerAuthentication_MutualTLS_UNSET {
			res.mtlsMode = mtlsMode{mode: pa.mode, from: pa}
		}
	}
	mesh, _ := c.scopePolicy(root, nil)
	inherit(mesh)
	if ns != root {
		nsPolicy, _ := c.scopePolicy(ns, nil)
		inherit(nsPolicy)
	}
	if labels == nil || ns == root {
		return res
	}
	wl, _ := c.scopePolicy(ns, labels)
	if wl == nil {
		return res
	}
	if wl.mode != securityapi.PeerAuthentication_MutualTLS_UNSET {
		res.mtlsMode, res.workload = mtlsMode{mode: wl.mode, from: wl}, true
	}
	for _, p := range wl.ports {
		if res.ports == nil {
			res.ports = map[uint32]mtlsMode{}
		}
		if p.mode == securityapi.PeerAuthentication_MutualTLS_UNSET {
			res.ports[p.port] = res.mtlsMode
		} else {
			res.ports[p.port] = mtlsMode{mode: p.mode, from: wl}
		}
	}
	return res
}

// meshLabel is the namespace label that puts a namespace in the mesh, for
// field paths: the ambient dataplane mode, else the injection label that
// decides (istio-injection beats istio.io/rev).
func meshLabel(labels map[string]string) (*field.Path, string) {
	l := field.NewPath("metadata", "labels")
	for _, k := range []string{"istio.io/dataplane-mode", LabelLegacyInjection, "istio.io/rev"} {
		if v, ok := labels[k]; ok && (k != "istio.io/dataplane-mode" || v == dataplaneModeAmbient) {
			return l.Key(k), v
		}
	}
	return l, ""
}

func checkIGR802(c *ClusterIndex, p *RootNamespaceParams) []clusterViolation {
	if !c.complete {
		return nil
	}
	root := p.RootNamespace
	var out []clusterViolation
	for _, ns := range c.meshNamespaces() {
		if r := c.effectiveMTLS(root, ns, nil); !r.strict() {
			at, val := meshLabel(c.namespaces[ns].labels)
			msg := fmt.Sprintf("enrols it in the mesh, where mTLS is %s (%s)", r.mode, r.source())
			out = append(out, clusterViolation{on: c.namespaces[ns].subject, Violation: Invalid(at, val, msg)})
		}
		for _, w := range c.sortedWorkloads(ns) {
			out = append(out, workloadMTLSViolations(w, c.effectiveMTLS(root, ns, w.labels))...)
		}
	}
	return out
}

// workloadMTLSViolations reports the workload policy and port-level modes
// that leave a workload's ports accepting plaintext.
func workloadMTLSViolations(w *wlFacts, r mtlsResolution) []clusterViolation {
	labels := field.NewPath("metadata", "labels")
	if tmpl, ok := workloadLabelsPath(w.first.ref.Kind); ok {
		labels = tmpl
	}
	var out []clusterViolation
	if r.workload && !r.strict() {
		msg := fmt.Sprintf("select PeerAuthentication %s: mTLS is %s", r.source(), r.mode)
		out = append(out, clusterViolation{on: w.first, Violation: Required(labels, msg)})
	}
	ports := make([]uint32, 0, len(r.ports))
	for port := range r.ports {
		ports = append(ports, port)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	for _, port := range ports {
		m := r.ports[port]
		if m.strict() || (m.mode == r.mode && m.from == r.from) {
			continue // STRICT, or the workload's own mode already reported
		}
		msg := fmt.Sprintf("select PeerAuthentication %s: port %d mTLS is %s", m.source(), port, m.mode)
		out = append(out, clusterViolation{on: w.first, Violation: Required(labels, msg)})
	}
	return out
}

// workloadLabelsPath is where a workload kind keeps its pods' labels.
func workloadLabelsPath(kind string) (*field.Path, bool) {
	switch kind {
	case "Pod":
		return field.NewPath("metadata", "labels"), true
	case "CronJob":
		return field.NewPath("spec", "jobTemplate", "spec", "template", "metadata", "labels"), true
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		return field.NewPath("spec", "template", "metadata", "labels"), true
	}
	return nil, false
}
