package policy

import (
	"slices"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR406 flags AuthorizationPolicies that ztunnel, not a waypoint,
// enforces in ambient namespaces and cannot enforce as written.
func ruleIGR406() *Rule {
	return &Rule{
		ID:    "IGR406",
		Title: "AuthorizationPolicy that ztunnel cannot enforce in an ambient namespace",
		Description: "In an ambient namespace (`istio.io/dataplane-mode=ambient`) a policy without `targetRefs` " +
			"(namespace-wide, or by `selector`) is enforced by ztunnel, which sees only L4. A `CUSTOM` (external " +
			"authorization) or `AUDIT` policy is not sent to ztunnel at all: nothing enforces it, a silent hole. " +
			"HTTP attributes (`hosts`, `methods`, `paths` and their `not` forms, `requestPrincipals`, " +
			"`remoteIpBlocks`, `when` keys other than source.ip, source.namespace, source.principal, destination.ip " +
			"and destination.port) are dropped: in an ALLOW policy the rule never matches, in a DENY policy the rule " +
			"denies without its HTTP conditions (warnings: stricter than written, so an outage, not a hole). Attach " +
			"L7 policies to the waypoint with `targetRefs` (kind Gateway, or the Service that uses the waypoint). " +
			"Namespace labels come from the cluster (webhook) or the input (check); when the namespace is unknown the rule stays silent.",
		Remediation: "attach the policy to the waypoint with targetRefs, or keep ztunnel policies to L4 attributes",
		Istio: "istiod convertAuthorizationPolicy (pilot/pkg/serviceregistry/ambient/authorization.go, 1.31 line): policies " +
			"with targetRefs are not for ztunnel; only ALLOW and DENY are converted (\"ztunnel does not support the %s action\"); " +
			"rules with HTTP attributes are omitted from ALLOW and enforced without them in DENY.",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(ctx *Context, obj *Object, _ Params) []Violation {
			ap, _ := bodyAs[securityapi.AuthorizationPolicy](obj)
			if ap == nil || obj.Meta == nil || len(ap.GetTargetRefs()) > 0 || ap.GetTargetRef() != nil {
				return nil
			}
			labels, known := ctx.namespaceLabels(obj.Meta.Namespace)
			if !known || !namespaceAmbient(labels) {
				return nil
			}
			switch ap.GetAction() {
			case securityapi.AuthorizationPolicy_ALLOW, securityapi.AuthorizationPolicy_DENY:
			default:
				return []Violation{Invalid(field.NewPath("spec", "action"), ap.GetAction().String(),
					"is not enforced by ztunnel: attach the policy to a waypoint").
					WithFix("attach the policy to a waypoint with spec.targetRefs, or use action ALLOW or DENY")}
			}
			msg := "is dropped by ztunnel, so the ALLOW rule never matches"
			if ap.GetAction() == securityapi.AuthorizationPolicy_DENY {
				msg = "is dropped by ztunnel, so the DENY rule denies more"
			}
			var out []Violation
			for i, r := range ap.GetRules() {
				for _, p := range authzHTTPAttributes(r, field.NewPath("spec", "rules").Index(i)) {
					out = append(out, Required(p, msg).AsAdvisory())
				}
			}
			return out
		},
	}
}

// ztunnelWhenKeys are the `when` keys ztunnel evaluates.
var ztunnelWhenKeys = []string{"source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port"}

// authzHTTPAttributes returns the paths of the HTTP attributes of rule r
// (at path base), which ztunnel cannot evaluate.
func authzHTTPAttributes(r *securityapi.Rule, base *field.Path) []*field.Path {
	var out []*field.Path
	for i, to := range r.GetTo() {
		op, p := to.GetOperation(), base.Child("to").Index(i).Child("operation")
		for name, set := range map[string]bool{"hosts": len(op.GetHosts()) > 0, "notHosts": len(op.GetNotHosts()) > 0,
			"methods": len(op.GetMethods()) > 0, "notMethods": len(op.GetNotMethods()) > 0,
			"paths": len(op.GetPaths()) > 0, "notPaths": len(op.GetNotPaths()) > 0} {
			if set {
				out = append(out, p.Child(name))
			}
		}
	}
	for i, from := range r.GetFrom() {
		src, p := from.GetSource(), base.Child("from").Index(i).Child("source")
		for name, set := range map[string]bool{"remoteIpBlocks": len(src.GetRemoteIpBlocks()) > 0,
			"notRemoteIpBlocks": len(src.GetNotRemoteIpBlocks()) > 0, "requestPrincipals": len(src.GetRequestPrincipals()) > 0,
			"notRequestPrincipals": len(src.GetNotRequestPrincipals()) > 0} {
			if set {
				out = append(out, p.Child(name))
			}
		}
	}
	for i, w := range r.GetWhen() {
		if !slices.Contains(ztunnelWhenKeys, w.GetKey()) {
			out = append(out, base.Child("when").Index(i).Child("key"))
		}
	}
	slices.SortFunc(out, func(a, b *field.Path) int {
		if a.String() < b.String() {
			return -1
		}
		return 1
	})
	return out
}
