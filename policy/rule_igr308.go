package policy

import (
	"fmt"
	"slices"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// ruleIGR308 flags plaintext HTTP listeners whose routes do not redirect to HTTPS.
func ruleIGR308() *Rule {
	return &Rule{
		ID:    "IGR308",
		Title: "Gateway API plaintext HTTP listener without an HTTPS redirect",
		Description: "An `HTTP` listener serves whatever the HTTPRoutes attached to it route, in plaintext. Istio has no " +
			"listener-level `httpsRedirect` for the Gateway API (IGR303's field): the redirect is a `RequestRedirect` " +
			"filter with `scheme: https` in every rule of every attached route. The Gateway alone cannot show its " +
			"routes, so at admission (and in `check` when no attached route is in the input) the listener is a " +
			"warning. When the input holds the routes (`check` over a whole directory), the routes attached to the " +
			"listener are judged: one with a rule that does not redirect to https is a denial (one finding per listener, " +
			"naming the first such route and how many more), and a listener whose " +
			"attached routes all redirect passes. Attachment follows the Gateway API: `parentRefs` with `sectionName` " +
			"and `port`, the listener's `allowedRoutes` (namespaces and kinds) and intersecting hostnames.",
		Remediation: "give every rule of the routes on this listener a RequestRedirect filter with scheme: https, and serve them from an HTTPS listener",
		Istio: "istiod's Gateway API conversion (pilot/pkg/config/kube/gateway, 1.31 line): buildTLS sets `HttpsRedirect: false` " +
			"(\"not yet implemented: https redirect\"); HTTPRoute RequestRedirect becomes a VirtualService redirect.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionDeny,
		Params:        ParamsOf(defaultGatewayClasses()),
		Check: checkWith(func(ctx *Context, obj *Object, p *GatewayClassesParams) []Violation {
			var routes *GatewayRoutes
			if ctx != nil {
				routes = ctx.Routes
			}
			return forEachGatewayAPIListener(obj, p.GatewayClasses, func(l gwListener) []Violation {
				if l.Protocol != gatewayv1.HTTPProtocolType {
					return nil
				}
				attached := routes.attachedHTTPRoutes(ctx, obj, l)
				if len(attached) == 0 {
					return []Violation{Invalid(l.Path.Child("protocol"), string(l.Protocol),
						"serves plaintext; attached HTTPRoutes must redirect to https").AsAdvisory()}
				}
				var plain []string
				for _, rt := range attached {
					if !routeRedirectsToHTTPS(rt) {
						plain = append(plain, rt.Namespace+"/"+rt.Name)
					}
				}
				// One finding per listener, however many routes attach.
				switch slices.Sort(plain); len(plain) {
				case 0:
					return nil
				case 1:
					return []Violation{Invalid(l.Path, plain[0], "is an attached HTTPRoute that serves plaintext, without an https redirect")}
				}
				return []Violation{Invalid(l.Path, plain[0],
					fmt.Sprintf("and %d more attached HTTPRoutes serve plaintext, without an https redirect", len(plain)-1))}
			})
		}),
	}
}
