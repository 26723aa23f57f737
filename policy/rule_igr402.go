package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR402 rejects ALLOW rules that admit any source.
func ruleIGR402() *Rule {
	return &Rule{
		ID:    "IGR402",
		Title: "AuthorizationPolicy ALLOW rule from any source",
		Description: "An ALLOW rule must say who may call. A rule without `from`, a source that sets none of " +
			"`principals`, `requestPrincipals`, `namespaces`, `serviceAccounts`, `ipBlocks`, `remoteIpBlocks` or " +
			"`trustDomains`, or a source list containing `*` lets any caller through: " +
			"sources are ORed, so one wildcard opens the rule to everyone (`principals: [\"*\"]` still admits any " +
			"mTLS peer in the mesh, including compromised ones). The same holds for IP blocks that cover every " +
			"IPv4 or IPv6 address, alone (`0.0.0.0/0`, `::/0`) or together (`0.0.0.0/1` and `128.0.0.0/1`), and " +
			"for principal wildcards that leave the namespace open: `cluster.local/*`, `cluster.local/ns/*` or " +
			"`*/sa/web` match workloads of every namespace, while `cluster.local/ns/shop/*` and " +
			"`*/ns/shop/sa/web` are accepted. Namespace names are DNS labels, so only `*` matches them all. " +
			"A rule without `from` is accepted when its `when` pins the caller (`source.principal`, " +
			"`source.namespace`, `source.ip`, `remote.ip` or `request.auth.*` with values that, by the same " +
			"measure, do not match everyone). Empty rules are reported by IGR401.",
		Remediation:   "name the allowed principals, namespaces or service accounts in from.source",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionDeny,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAllowRule(obj, checkAuthzAnySource)
		},
	}
}

// checkAuthzAnySource applies IGR402 to one rule of an ALLOW policy.
func checkAuthzAnySource(r *securityapi.Rule, path *field.Path) []Violation {
	if authzRuleIsEmpty(r) {
		return nil
	}
	if len(r.GetFrom()) == 0 {
		if whenRestricts(r.GetWhen(), conditionKeyIsSource) {
			return nil
		}
		return []Violation{Required(path.Child("from"), "is unset, so any source is allowed")}
	}
	var out []Violation
	for i, f := range r.GetFrom() {
		out = append(out, checkAuthzSourceIsAny(f.GetSource(), path.Child("from").Index(i).Child("source"))...)
	}
	return out
}

// checkAuthzSourceIsAny reports a source that restricts nothing, and each
// value of its positive fields that admits every caller (authzBroadValues).
func checkAuthzSourceIsAny(s *securityapi.Source, path *field.Path) []Violation {
	var out []Violation
	restricted := false
	for _, f := range sourcePositiveFields(s) {
		restricted = restricted || len(f.values) > 0
		out = append(out, authzBroadValues(path.Child(f.name), f.name, f.values)...)
	}
	if !restricted {
		out = append(out, Invalid(path, nil, "restricts no identity or IP block, so any source is allowed"))
	}
	return out
}
