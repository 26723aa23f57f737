package policy

import (
	"slices"

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
			"`trustDomains`, or a source whose every field is open, lets any caller through. The verdict follows " +
			"Istio's matching (AuthorizationPolicy proto, Istio 1.2x): `from` entries are ORed, so one open " +
			"entry opens the rule; the fields of one source are ANDed, so `principals: [\"*\"]` with " +
			"`namespaces: [shop]` is restricted; the values of one field are ORed, so one `*` opens that field " +
			"(`principals: [\"*\"]` alone still admits any mTLS peer in the mesh, including compromised ones); " +
			"and `when` is ANDed with `from`. `requestPrincipals: [\"*\"]` is Istio's documented way to require " +
			"a valid JWT and counts as a restriction. The same openness holds for IP blocks that cover every " +
			"IPv4 or IPv6 address, alone (`0.0.0.0/0`, `::/0`) or together (`0.0.0.0/1` and `128.0.0.0/1`), and " +
			"for principal wildcards that leave the namespace open: `cluster.local/*`, `cluster.local/ns/*` or " +
			"`*/sa/web` match workloads of every namespace, while `cluster.local/ns/shop/*` and " +
			"`*/ns/shop/sa/web` are accepted. Namespace names are DNS labels, so only `*` matches them all. " +
			"A rule is accepted when its `when` pins the caller (`source.principal`, " +
			"`source.namespace`, `source.ip`, `remote.ip` or `request.auth.*` with values that, by the same " +
			"measure, do not match everyone). Empty rules are reported by IGR401.",
		Remediation:   "name the allowed principals, namespaces or service accounts in from.source",
		Istio:         "AuthorizationPolicy proto and istiod's authorization builder: `from` entries ORed, fields of a source ANDed, values of a field ORed, `when` ANDed; prefix/suffix `*` wildcards only; `requestPrincipals: [\"*\"]` requires a valid JWT.",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionDeny,
		CELGap:        celIPsAndGlobs,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAllowRule(obj, checkAuthzAnySource)
		},
	}
}

// checkAuthzAnySource applies IGR402 to one rule of an ALLOW policy, with
// Istio's matching semantics (AuthorizationPolicy proto and istiod's
// authorization builder): the `from` entries are ORed, the fields of one
// source are ANDed, the values of one field are ORed, and `when` is ANDed
// with `from`. So the rule admits any source when `when` pins no source and
// some `from` entry restricts nothing.
func checkAuthzAnySource(r *securityapi.Rule, path *field.Path) []Violation {
	if authzRuleIsEmpty(r) || whenRestricts(r.GetWhen(), conditionKeyIsSource) {
		return nil
	}
	if len(r.GetFrom()) == 0 {
		return []Violation{Required(path.Child("from"), "is unset, so any source is allowed")}
	}
	var out []Violation
	for i, f := range r.GetFrom() {
		out = append(out, checkAuthzSourceIsAny(f.GetSource(), path.Child("from").Index(i).Child("source"))...)
	}
	return out
}

// checkAuthzSourceIsAny reports a source that admits every caller: one whose
// positive fields are all absent or all open (each open value is reported).
// One restricting field is enough to restrict the source, as fields are
// ANDed. `requestPrincipals: ["*"]` restricts: Istio documents it as the way
// to require a valid JWT (any authenticated request), not as "anyone".
func checkAuthzSourceIsAny(s *securityapi.Source, path *field.Path) []Violation {
	var open []Violation
	restricted := false
	for _, f := range sourcePositiveFields(s) {
		if len(f.values) == 0 {
			continue
		}
		if f.name == "requestPrincipals" && slices.Contains(f.values, "*") {
			restricted = true // requires a valid request credential
			continue
		}
		broad := authzBroadValues(path.Child(f.name), f.name, f.values)
		if len(broad) == 0 {
			restricted = true
			continue
		}
		open = append(open, broad...)
	}
	switch {
	case restricted:
		return nil
	case len(open) > 0:
		return open
	}
	return []Violation{Invalid(path, nil, "restricts no identity or IP block, so any source is allowed")}
}
