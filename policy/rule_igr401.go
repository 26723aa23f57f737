package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR401 rejects ALLOW policies with a rule that matches every request.
func ruleIGR401() *Rule {
	return &Rule{
		ID:    "IGR401",
		Title: "AuthorizationPolicy that allows everything",
		Description: "In an ALLOW policy (the default action) a rule with no `from`, `to` or `when` matches every " +
			"request, so the policy allows all traffic to the selected workloads, from any caller, however the " +
			"other rules are written: `rules: [{}]` is the classic allow-all. By contrast `spec: {}` (no rules at " +
			"all) denies everything and is not a hit, and DENY, AUDIT and CUSTOM policies are not checked here.",
		Remediation:   "add from/to/when to the rule, or drop spec.rules to deny all",
		Istio:         "AuthorizationPolicy proto (Istio 1.31): an ALLOW rule with no `from`, `to` or `when` matches every request; `spec: {}` (no rules) denies all; DENY is evaluated before ALLOW.",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionDeny,
		CEL:           celIGR401,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAllowRule(obj, checkAuthzAllowAll)
		},
	}
}

// checkAuthzAllowAll applies IGR401 to one rule of an ALLOW policy.
func checkAuthzAllowAll(r *securityapi.Rule, path *field.Path) []Violation {
	if !authzRuleIsEmpty(r) {
		return nil
	}
	return []Violation{Invalid(path, nil, "has no from, to or when, so it allows every request")}
}
