package policy

import (
	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR405 flags ALLOW rules that do not restrict the operation.
func ruleIGR405() *Rule {
	return &Rule{
		ID:    "IGR405",
		Title: "AuthorizationPolicy ALLOW rule without an operation restriction",
		Description: "An ALLOW rule without `to` (or whose operations set no `hosts`, `ports`, `methods` or " +
			"`paths` other than `*`) lets the allowed callers reach every port, path and method of the workload, " +
			"admin and debug endpoints included. Least privilege means naming the operations each caller needs. " +
			"A `when` on `destination.port`, `destination.ip` or `connection.sni` counts as a restriction. Empty " +
			"rules are reported by IGR401.",
		Remediation:   "add to.operation with the methods, paths or ports callers need",
		Istio:         "AuthorizationPolicy proto: a rule without `to` matches every operation (hosts, ports, methods, paths).",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAllowRule(obj, checkAuthzOperation)
		},
	}
}

// checkAuthzOperation applies IGR405 to one rule of an ALLOW policy.
func checkAuthzOperation(r *securityapi.Rule, path *field.Path) []Violation {
	if authzRuleIsEmpty(r) || whenRestricts(r.GetWhen(), conditionKeyIsOperation) {
		return nil
	}
	if len(r.GetTo()) == 0 {
		return []Violation{Required(path.Child("to"), "is unset, so every host, port, method and path is allowed")}
	}
	var out []Violation
	for i, t := range r.GetTo() {
		if !operationRestricts(t.GetOperation()) {
			out = append(out, Invalid(path.Child("to").Index(i).Child("operation"), nil,
				"restricts no hosts, ports, methods or paths"))
		}
	}
	return out
}

// operationRestricts reports whether o narrows the allowed operations: a
// positive field with a value other than "*", or any negative field.
func operationRestricts(o *securityapi.Operation) bool {
	for _, f := range operationPositiveFields(o) {
		for _, v := range f.values {
			if !authzValueMatchesAny(v) {
				return true
			}
		}
	}
	for _, f := range operationNegativeFields(o) {
		if len(f.values) > 0 {
			return true
		}
	}
	return false
}
