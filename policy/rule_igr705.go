package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ruleIGR705() *Rule {
	return &Rule{
		ID:    "IGR705",
		Title: "HTTP route without timeout, or retries without a per-try timeout",
		Description: "An HTTP route without `timeout` waits as long as the upstream does (Istio sets no route " +
			"timeout by default), so one slow dependency ties up callers and cascades. Retries without " +
			"`perTryTimeout` let a single hung attempt use up the whole budget. Routes that only redirect, " +
			"answer directly or delegate to another VirtualService are not checked (the delegate's routes are).",
		Remediation:   "set a timeout on every HTTP route and a perTryTimeout on its retries",
		Istio:         "HTTPRoute proto: no route timeout by default (disabled since Istio 1.6); `perTryTimeout` defaults to the route timeout; Go-style durations.",
		Targets:       []Kind{KindVirtualService},
		DefaultAction: ActionWarn,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			vs, ok := obj.Body.(*networkingapi.VirtualService)
			if !ok || vs == nil {
				return nil
			}
			var out []Violation
			base := field.NewPath("spec", "http")
			for i, r := range vs.GetHttp() {
				out = append(out, igr705Route(base.Index(i), r)...)
			}
			return out
		},
	}
}

// igr705Route checks one HTTP route that forwards to a destination.
func igr705Route(p *field.Path, r *networkingapi.HTTPRoute) []Violation {
	if r == nil || len(r.GetRoute()) == 0 || r.GetDelegate() != nil {
		return nil
	}
	var out []Violation
	if r.GetTimeout() == nil {
		out = append(out, Required(p.Child("timeout"), "is unset, so the route waits for the upstream indefinitely"))
	}
	if rt := r.GetRetries(); rt != nil && rt.GetAttempts() > 0 && rt.GetPerTryTimeout() == nil {
		out = append(out, Required(p.Child("retries", "perTryTimeout"), "is unset, so one hung attempt uses the whole budget"))
	}
	return out
}
