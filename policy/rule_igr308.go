package policy

import (
	"fmt"
	"slices"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// ruleIGR308 flags plaintext HTTP listeners whose routes do not redirect to HTTPS.
func ruleIGR308() *Rule {
	return &Rule{
		ID:    "IGR308",
		Title: "Gateway API plaintext HTTP listener without an HTTPS redirect",
		Description: "An `HTTP` listener serves whatever the HTTPRoutes and GRPCRoutes attached to it route, in plaintext. Istio has no " +
			"listener-level `httpsRedirect` for the Gateway API (IGR303's field): the redirect is a `RequestRedirect` " +
			"filter with `scheme: https` in every rule of every attached HTTPRoute. A GRPCRoute has no redirect " +
			"filter (its filter types are header modifiers, mirror and extension references), so a GRPCRoute on a plaintext " +
			"listener always serves plaintext gRPC. The Gateway alone cannot show its " +
			"routes, so at admission (and in `check` when no attached route is in the input) the listener is a " +
			"warning. When the input holds the routes (`check` over a whole directory), the routes attached to the " +
			"listener are judged: a GRPCRoute, or an HTTPRoute with a rule that does not redirect to https, is a denial " +
			"(one finding per listener, naming the first such route and how many more), and a listener whose " +
			"attached routes all redirect passes. Attachment follows the Gateway API as istiod implements it: the route " +
			"kinds the listener's protocol supports (HTTPRoute and GRPCRoute on HTTP; TLSRoute only on TLS listeners), " +
			"`parentRefs` with `sectionName` and `port`, the listener's `allowedRoutes` (namespaces and kinds) and " +
			"intersecting hostnames.",
		Remediation: "give every rule of the HTTPRoutes on this listener a RequestRedirect filter with scheme: https, and serve them and GRPCRoutes from an HTTPS listener",
		Istio: "istiod's Gateway API conversion (pilot/pkg/config/kube/gateway, 1.31 line): buildTLS sets `HttpsRedirect: false` " +
			"(\"not yet implemented: https redirect\"); HTTPRoute RequestRedirect becomes a VirtualService redirect; " +
			"GRPCRoutes become VirtualService http routes on the same server (convertGRPCRoute); the kinds a listener " +
			"admits are gatewaycommon.GenerateGatewaySupportedKinds.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionDeny,
		CELGap:        celRoutes,
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
				attached := routes.attachedRoutes(ctx, obj, l)
				if len(attached) == 0 {
					return []Violation{Invalid(l.Path.Child("protocol"), string(l.Protocol),
						"serves plaintext; attached HTTPRoutes must redirect to https").AsAdvisory()}
				}
				var plain []gwRoute
				for _, rt := range attached {
					if !rt.RedirectsToHTTPS {
						plain = append(plain, rt)
					}
				}
				// One finding per listener, however many routes attach.
				slices.SortStableFunc(plain, func(a, b gwRoute) int { return strings.Compare(a.ref(), b.ref()) })
				switch len(plain) {
				case 0:
					return nil
				case 1:
					return []Violation{Invalid(l.Path, plain[0].ref(), plainText(plain[0].Kind))}
				}
				return []Violation{Invalid(l.Path, plain[0].ref(),
					fmt.Sprintf("(%s) and %d more attached routes serve plaintext, without https redirect", plain[0].Kind, len(plain)-1))}
			})
		}),
	}
}

// plainText says why an attached route of kind serves plaintext.
func plainText(kind string) string {
	if kind == "GRPCRoute" {
		return "is an attached GRPCRoute, which serves plaintext (GRPCRoute cannot redirect)"
	}
	return "is an attached HTTPRoute that serves plaintext, without an https redirect"
}
