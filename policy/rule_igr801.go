package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR801 requires the mesh-wide PeerAuthentication to exist and be STRICT.
func ruleIGR801() *Rule {
	return &Rule{
		ID:    "IGR801",
		Title: "Mesh has no mesh-wide STRICT PeerAuthentication",
		Description: "Cross-object rule (audit). Istio's default for a workload no PeerAuthentication selects is " +
			"PERMISSIVE, so a mesh without a mesh-wide policy (a PeerAuthentication in the root namespace, parameter " +
			"`rootNamespace`, without a selector) accepts plaintext everywhere no namespace policy says otherwise. " +
			"When several mesh-wide policies exist, the oldest one decides: a STRICT policy created after a PERMISSIVE " +
			"or UNSET one changes nothing. Reported on the root Namespace when no mesh-wide policy exists, else on " +
			"the deciding policy. Needs the whole cluster: `check` does not evaluate it.",
		Remediation:   "create PeerAuthentication default in the root namespace with spec.mtls.mode: STRICT and no selector",
		Istio:         "ComposePeerAuthentication (pilot/pkg/security/authn, Istio 1.31): the oldest policy per scope wins, UNSET inherits, no policy means PERMISSIVE; policies in the root namespace without selector are mesh-wide.",
		Targets:       []Kind{KindNamespace, KindPeerAuthentication},
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR801),
		ClusterOnly:   true,
		Params:        ParamsOf(RootNamespaceParams{RootNamespace: "istio-system"}),
		Check:         crossObjectOnly,
	}
}

func checkIGR801(c *ClusterIndex, p *RootNamespaceParams) []clusterViolation {
	if !c.complete {
		return nil
	}
	root := p.RootNamespace
	mesh, all := c.scopePolicy(root, nil)
	if mesh == nil {
		on := c.namespaceSubject(root)
		v := Invalid(field.NewPath("metadata", "name"), root, "has no mesh-wide PeerAuthentication: mTLS defaults to PERMISSIVE")
		return []clusterViolation{{on: on, Violation: v}}
	}
	if mesh.mode == securityapi.PeerAuthentication_MutualTLS_STRICT {
		return nil
	}
	msg := "decides the mesh-wide mode, which is then PERMISSIVE"
	if mesh.mode != securityapi.PeerAuthentication_MutualTLS_UNSET {
		msg = "decides the mesh-wide mode"
	}
	if len(all) > 1 {
		msg = "is the oldest mesh-wide policy, so it decides the mode"
	}
	v := Invalid(field.NewPath("spec", "mtls", "mode"), mesh.mode.String(), msg).WithFix("set spec.mtls.mode: STRICT")
	return []clusterViolation{{on: mesh.subject, Violation: v}}
}

// namespaceSubject is the Namespace ns as reported on: the indexed object,
// or a reference to it when the index has not seen it.
func (c *ClusterIndex) namespaceSubject(ns string) subject {
	if f, ok := c.namespaces[ns]; ok {
		return f.subject
	}
	return subject{ref: ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: ns}}
}
