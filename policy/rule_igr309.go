package policy

import gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

// ruleIGR309 warns on Gateway API listeners that admit routes from every namespace.
func ruleIGR309() *Rule {
	return &Rule{
		ID:    "IGR309",
		Title: "Gateway API listener admits routes from every namespace",
		Description: "`allowedRoutes.namespaces.from: All`, or `Selector` with an empty (or missing) selector, lets a " +
			"route in any namespace attach to the listener and claim its hostnames: a team can take over traffic " +
			"meant for another. Without a listener `hostname` this is IGR305's `*/*`: any hostname from any namespace. " +
			"Keep the default (`Same`), or select the namespaces allowed by a label only their owners can set. " +
			"Selector matches are resolved by istiod against the namespaces' labels. A waypoint's `HBONE` listener is " +
			"not judged: there `allowedRoutes` says which namespaces may use the waypoint (cross-namespace waypoints " +
			"need it), not who may claim hostnames.",
		Remediation: "set allowedRoutes.namespaces.from: Same, or Selector with a label that names the allowed namespaces",
		Istio: "istiod namespacesFromSelector (pilot/pkg/config/kube/gateway, 1.31 line): no allowedRoutes means Same; " +
			"All becomes `*/<hostname>`; a Selector without selector is treated as `*`; an empty selector matches every namespace; " +
			"for waypoints (ambient/waypoints.go makeAllowedRoutes) the HBONE listener's allowedRoutes selects the namespaces that may use it.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Params:        ParamsOf(defaultGatewayClasses()),
		Check: checkWith(func(_ *Context, obj *Object, p *GatewayClassesParams) []Violation {
			return forEachGatewayAPIListener(obj, p.GatewayClasses, checkGatewayAPIAllowedRoutes)
		}),
	}
}

// protocolHBONE is the listener protocol of Istio's waypoints and east-west gateways.
const protocolHBONE gatewayv1.ProtocolType = "HBONE"

// checkGatewayAPIAllowedRoutes applies IGR309 to one listener.
func checkGatewayAPIAllowedRoutes(l gwListener) []Violation {
	if l.AllowedRoutes == nil || l.AllowedRoutes.Namespaces == nil || l.AllowedRoutes.Namespaces.From == nil ||
		l.Protocol == protocolHBONE {
		return nil
	}
	ns := l.AllowedRoutes.Namespaces
	path := l.Path.Child("allowedRoutes", "namespaces")
	msg := "admits routes from every namespace"
	if l.Hostname == nil || *l.Hostname == "" {
		msg = "admits routes for any hostname from every namespace"
	}
	switch *ns.From {
	case gatewayv1.NamespacesFromAll:
		return []Violation{Invalid(path.Child("from"), string(gatewayv1.NamespacesFromAll), msg)}
	case gatewayv1.NamespacesFromSelector:
		if s := ns.Selector; s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
			return []Violation{Required(path.Child("selector"), "is empty, so it "+msg)}
		}
	}
	return nil
}
