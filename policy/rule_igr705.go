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
			"timeout by default, and `0s` disables it), so one slow dependency ties up callers and cascades. Retries without " +
			"`perTryTimeout` (or with `0s`) let a single hung attempt use up the whole budget. Routes that only redirect " +
			"or answer directly are not checked. Delegation is judged as Istio merges it: a delegate VirtualService " +
			"(one without `hosts`) inherits `timeout` and `retries` from the root route that delegates to it, so its " +
			"routes are checked only for what they set themselves, and the root's delegating route is checked for " +
			"both (setting them there covers every delegate route that sets none).",
		Remediation:   "set a timeout on every HTTP route and a perTryTimeout on its retries",
		Istio:         "HTTPRoute proto: no route timeout by default (disabled since Istio 1.6) and a zero timeout is Envoy's \"no timeout\" (pilot/pkg/networking/core/route setTimeout); `perTryTimeout` defaults to the route timeout; `retries` unset is Istio's default policy (2 attempts on connect failures, no per-try timeout), `attempts: 0` disables retries (route/retry ConvertPolicy); a delegate route inherits the root route's unset timeout and retries (pilot/pkg/model mergeHTTPRoute); Go-style durations.",
		Targets:       []Kind{KindVirtualService},
		DefaultAction: ActionWarn,
		CELGap:        celDurations,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			vs, ok := obj.Body.(*networkingapi.VirtualService)
			if !ok || vs == nil {
				return nil
			}
			var out []Violation
			base := field.NewPath("spec", "http")
			delegate := len(vs.GetHosts()) == 0
			for i, r := range vs.GetHttp() {
				out = append(out, igr705Route(base.Index(i), r, delegate)...)
			}
			return out
		},
	}
}

// igr705Route checks one HTTP route that forwards to a destination or
// delegates. In a delegate VirtualService (inDelegate) a route's unset
// timeout or retries come from the root route, which is judged instead.
func igr705Route(p *field.Path, r *networkingapi.HTTPRoute, inDelegate bool) []Violation {
	delegating := r.GetDelegate() != nil
	if r == nil || (len(r.GetRoute()) == 0 && !delegating) {
		return nil
	}
	var out []Violation
	switch t := r.GetTimeout(); {
	case t == nil && inDelegate:
		// inherited from the root route
	case t == nil && delegating:
		out = append(out, Required(p.Child("timeout"), "is unset, so delegate routes that set none wait for the upstream indefinitely"))
	case t == nil:
		out = append(out, Required(p.Child("timeout"), "is unset, so the route waits for the upstream indefinitely"))
	case t.AsDuration() == 0:
		out = append(out, Invalid(p.Child("timeout"), "0s", "disables the route timeout, so the route waits for the upstream indefinitely"))
	}
	if rt := r.GetRetries(); rt != nil && rt.GetAttempts() > 0 {
		switch pt := rt.GetPerTryTimeout(); {
		case pt == nil:
			out = append(out, Required(p.Child("retries", "perTryTimeout"), "is unset, so one hung attempt uses the whole budget"))
		case pt.AsDuration() == 0:
			out = append(out, Invalid(p.Child("retries", "perTryTimeout"), "0s", "means no per-try timeout, so one hung attempt uses the whole budget"))
		}
	}
	return out
}
