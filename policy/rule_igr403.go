package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR403 flags negative matches in ALLOW policies.
func ruleIGR403() *Rule {
	return &Rule{
		ID:    "IGR403",
		Title: "AuthorizationPolicy ALLOW rule with negative matches",
		Description: "In an ALLOW policy a negative match (`notPrincipals`, `notNamespaces`, `notRequestPrincipals`, " +
			"`notServiceAccounts`, `notIpBlocks`, `notRemoteIpBlocks`, `notTrustDomains`, `notHosts`, `notPorts`, " +
			"`notMethods`, `notPaths`, `when[].notValues`) allows everything that is not listed: every new " +
			"caller, path or method is allowed by default, and a path spelled differently (`/admin/`, `/Admin`, " +
			"`/admin%2F`) slips past `notPaths`. Istio's security best practices recommend ALLOW with positive " +
			"matches and DENY with negative matches.",
		Remediation:   "use positive matches, or move the exclusion to a DENY policy",
		Istio:         "AuthorizationPolicy proto: `not*` fields and `notValues` match everything except the listed values.",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAllowRule(obj, checkAuthzNegativeMatches)
		},
	}
}

// checkAuthzNegativeMatches applies IGR403 to one rule of an ALLOW policy.
func checkAuthzNegativeMatches(r *securityapi.Rule, path *field.Path) []Violation {
	var out []Violation
	for i, f := range r.GetFrom() {
		p := path.Child("from").Index(i).Child("source")
		out = append(out, negativeMatchViolations(p, sourceNegativeFields(f.GetSource()))...)
	}
	for i, t := range r.GetTo() {
		p := path.Child("to").Index(i).Child("operation")
		out = append(out, negativeMatchViolations(p, operationNegativeFields(t.GetOperation()))...)
	}
	for i, c := range r.GetWhen() {
		p := path.Child("when").Index(i)
		out = append(out, negativeMatchViolations(p, []authzField{{"notValues", c.GetNotValues()}})...)
	}
	return out
}

// negativeMatchViolations reports each non-empty field under path.
func negativeMatchViolations(path *field.Path, fields []authzField) []Violation {
	var out []Violation
	for _, f := range fields {
		if len(f.values) > 0 {
			out = append(out, Invalid(path.Child(f.name), nil, "negative match in an ALLOW policy allows everything not listed"))
		}
	}
	return out
}
