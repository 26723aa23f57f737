package policy

import gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

// ruleIGR311 reports Gateway API TLS passthrough listeners, like IGR306.
func ruleIGR311() *Rule {
	return &Rule{
		ID:    "IGR311",
		Title: "Gateway API TLS passthrough listener",
		Description: "A `TLS` listener in `Passthrough` mode forwards the encrypted stream by SNI to the backend: the " +
			"gateway cannot see the request, so no HTTP routing, authorization on paths or headers, JWT validation or " +
			"access log of requests happens at the edge, and the backend's own TLS settings decide everything. " +
			"Reported as a warning (IGR306 for Istio Gateways) so that it is a reviewed choice. Istio's " +
			"`gateway.istio.io/listener-protocol: auto-passthrough` listeners (multi-network east-west gateways) are " +
			"reported too: they pass the mesh's own mTLS through. The routes that use such a listener are TLSRoutes " +
			"(the only kind istiod attaches to a TLS listener besides TCPRoute on Terminate); the listener is where " +
			"passthrough is chosen and reviewed, so a TLSRoute is not reported again.",
		Remediation:   "terminate TLS at the gateway (tls.mode: Terminate with certificateRefs) unless passthrough is required",
		Istio:         "istiod buildTLS (1.31 line): Passthrough becomes ServerTLSSettings PASSTHROUGH, or AUTO_PASSTHROUGH with the listener-protocol option or a topology.istio.io/network gateway on port 15443.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Params:        ParamsOf(defaultGatewayClasses()),
		Check: checkWith(func(_ *Context, obj *Object, p *GatewayClassesParams) []Violation {
			return forEachGatewayAPIListener(obj, p.GatewayClasses, func(l gwListener) []Violation {
				if l.tlsMode() != gatewayv1.TLSModePassthrough {
					return nil
				}
				return []Violation{Invalid(l.Path.Child("tls", "mode"), string(gatewayv1.TLSModePassthrough),
					"forwards TLS without terminating it at the gateway")}
			})
		}),
	}
}
