package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR101 requires STRICT mTLS in a PeerAuthentication.
func ruleIGR101() *Rule {
	return &Rule{
		ID:    "IGR101",
		Title: "PeerAuthentication mTLS mode not STRICT",
		Description: "`PERMISSIVE` accepts plaintext as well as mTLS and `DISABLE` accepts only plaintext, so any " +
			"client in the cluster can reach the workloads without a workload identity, and AuthorizationPolicies " +
			"keyed on principals or namespaces cannot identify those callers. Istio's security best practices ask for STRICT once " +
			"the migration is over: PERMISSIVE is a migration mode, not a production one. `UNSET` (or no `mtls` at " +
			"all) inherits from the parent policy; on the mesh-wide policy (in the root namespace, parameter " +
			"`rootNamespace`, default `istio-system`, without a workload selector or with an empty one) there is no " +
			"parent and Istio treats it as PERMISSIVE, so it is rejected there. On a namespace or workload policy " +
			"UNSET is fine: it inherits the mesh-wide mode. Port-level modes are rule IGR102.",
		Remediation:   "set spec.mtls.mode: STRICT",
		Istio:         "PeerAuthentication proto (istio.io/api v1.31): `mtls.mode` UNSET inherits from the parent (workload, namespace, mesh-wide policy in the root namespace) and is PERMISSIVE where nothing sets it; enum names only (the CRD types enums as strings).",
		Targets:       []Kind{KindPeerAuthentication},
		DefaultAction: ActionDeny,
		CEL:           celIGR101,
		Params:        ParamsOf(IGR101Params{RootNamespace: "istio-system"}),
		Check:         checkWith(checkIGR101),
	}
}

// IGR101Params are the parameters of IGR101.
type IGR101Params struct {
	RootNamespace string `yaml:"rootNamespace" desc:"Istio root namespace (meshConfig.rootNamespace), home of the mesh-wide PeerAuthentication"`
}

// checkIGR101 rejects a weak top-level mode, and an unset one on the mesh-wide policy.
func checkIGR101(_ *Context, obj *Object, p *IGR101Params) []Violation {
	pa, ok := bodyAs[securityapi.PeerAuthentication](obj)
	if !ok {
		return nil
	}
	mtlsPath := field.NewPath("spec", "mtls")
	modePath := mtlsPath.Child("mode")
	fix := "set " + modePath.String() + ": STRICT"
	mode := pa.GetMtls().GetMode()
	switch {
	case weakMTLSMode(mode):
		return []Violation{Invalid(modePath, mode.String(), "must be STRICT").WithFix(fix)}
	case mode != securityapi.PeerAuthentication_MutualTLS_UNSET:
		return nil
	case !isMeshWidePeerAuthentication(obj, pa, p.RootNamespace):
		return nil
	case pa.GetMtls() == nil:
		return []Violation{Required(mtlsPath, "is missing on the mesh-wide policy, which means PERMISSIVE").WithFix(fix)}
	default:
		return []Violation{Required(modePath, "is UNSET on the mesh-wide policy, which means PERMISSIVE").WithFix(fix)}
	}
}

// isMeshWidePeerAuthentication reports whether pa is the mesh-wide policy:
// in the root namespace with no (or an empty) workload selector.
func isMeshWidePeerAuthentication(obj *Object, pa *securityapi.PeerAuthentication, rootNamespace string) bool {
	if obj.Meta == nil || obj.Meta.Namespace != rootNamespace {
		return false
	}
	return len(pa.GetSelector().GetMatchLabels()) == 0
}
