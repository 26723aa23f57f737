package policy

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// GatewayRoutes holds the Gateway API routes of a whole input (`check`), to
// judge Gateway API listeners together with the routes attached to them.
type GatewayRoutes struct {
	HTTPRoutes []*gatewayv1.HTTPRoute
	GRPCRoutes []*gatewayv1.GRPCRoute
	TLSRoutes  []*gatewayv1.TLSRoute
}

// gwRoute is the part of a route of any kind that attachment and the
// listener rules read.
type gwRoute struct {
	Kind       string // HTTPRoute, GRPCRoute, TLSRoute
	Namespace  string
	Name       string
	ParentRefs []gatewayv1.ParentReference
	Hostnames  []gatewayv1.Hostname
	// RedirectsToHTTPS: every rule answers with a redirect to https, so the
	// route serves nothing in plaintext (only an HTTPRoute can).
	RedirectsToHTTPS bool
}

// ref is the route's "namespace/name".
func (r gwRoute) ref() string { return r.Namespace + "/" + r.Name }

// all returns every route of r, HTTPRoutes first.
func (r *GatewayRoutes) all() []gwRoute {
	if r == nil {
		return nil
	}
	out := make([]gwRoute, 0, len(r.HTTPRoutes)+len(r.GRPCRoutes)+len(r.TLSRoutes))
	for _, rt := range r.HTTPRoutes {
		if rt != nil {
			out = append(out, gwRoute{"HTTPRoute", rt.Namespace, rt.Name, rt.Spec.ParentRefs, rt.Spec.Hostnames, routeRedirectsToHTTPS(rt)})
		}
	}
	for _, rt := range r.GRPCRoutes {
		if rt != nil {
			out = append(out, gwRoute{"GRPCRoute", rt.Namespace, rt.Name, rt.Spec.ParentRefs, rt.Spec.Hostnames, false})
		}
	}
	for _, rt := range r.TLSRoutes {
		if rt != nil {
			out = append(out, gwRoute{"TLSRoute", rt.Namespace, rt.Name, rt.Spec.ParentRefs, rt.Spec.Hostnames, false})
		}
	}
	return out
}

// attachedRoutes returns the routes of r that attach to listener l of the
// Gateway or ListenerSet obj, as the Gateway API defines attachment and
// istiod implements it: a route kind the listener supports (istiod's
// GenerateGatewaySupportedKinds: HTTPRoute and GRPCRoute on HTTP and HTTPS
// listeners, TLSRoute on TLS listeners) and, when listed, among its
// allowedRoutes.kinds; a parentRef naming obj (group, kind and namespace
// defaulted), with the listener's sectionName and port when set; a route
// namespace the listener's allowedRoutes admits (a Selector over namespaces
// whose labels are unknown is assumed to admit, so the route is judged); and
// hostnames that intersect the listener's when both are set.
func (r *GatewayRoutes) attachedRoutes(ctx *Context, obj *Object, l gwListener) []gwRoute {
	if r == nil || obj.Meta == nil {
		return nil
	}
	kind := "Gateway"
	if _, ok := obj.Body.(*gatewayv1.ListenerSet); ok {
		kind = "ListenerSet"
	}
	var out []gwRoute
	for _, rt := range r.all() {
		if !listenerSupports(l, rt.Kind) || !listenerAdmitsNamespace(ctx, l, obj.Meta.Namespace, rt.Namespace) ||
			!hostnamesIntersect(l.Hostname, rt.Hostnames) {
			continue
		}
		if slices.ContainsFunc(rt.ParentRefs, func(p gatewayv1.ParentReference) bool {
			return parentRefNames(p, rt.Namespace, kind, obj.Meta.Namespace, obj.Meta.Name) &&
				(p.SectionName == nil || *p.SectionName == l.Name) && (p.Port == nil || *p.Port == l.Port)
		}) {
			out = append(out, rt)
		}
	}
	return out
}

// parentRefNames reports whether p, written in namespace routeNS, names the
// object kind ns/name of the Gateway API group.
func parentRefNames(p gatewayv1.ParentReference, routeNS, kind, ns, name string) bool {
	group, pkind, pns := gatewayv1.GroupName, "Gateway", routeNS
	if p.Group != nil {
		group = string(*p.Group)
	}
	if p.Kind != nil {
		pkind = string(*p.Kind)
	}
	if p.Namespace != nil {
		pns = string(*p.Namespace)
	}
	return group == gatewayv1.GroupName && pkind == kind && pns == ns && string(p.Name) == name
}

// listenerAdmitsNamespace applies the listener's allowedRoutes.namespaces.
func listenerAdmitsNamespace(ctx *Context, l gwListener, ownNS, routeNS string) bool {
	if l.AllowedRoutes == nil || l.AllowedRoutes.Namespaces == nil || l.AllowedRoutes.Namespaces.From == nil {
		return routeNS == ownNS
	}
	switch *l.AllowedRoutes.Namespaces.From {
	case gatewayv1.NamespacesFromAll:
		return true
	case gatewayv1.NamespacesFromSelector:
		sel := l.AllowedRoutes.Namespaces.Selector
		if sel == nil {
			return true
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return false
		}
		nsLabels, known := ctx.namespaceLabels(routeNS)
		return !known || s.Matches(labels.Set(nsLabels))
	}
	return routeNS == ownNS
}

// listenerSupports reports whether routes of kind attach to listener l:
// the kinds istiod supports on the listener's protocol
// (gatewaycommon.GenerateGatewaySupportedKinds), narrowed to
// allowedRoutes.kinds when it lists any.
func listenerSupports(l gwListener, kind string) bool {
	switch l.Protocol {
	case gatewayv1.HTTPProtocolType, gatewayv1.HTTPSProtocolType:
		if kind != "HTTPRoute" && kind != "GRPCRoute" {
			return false
		}
	case gatewayv1.TLSProtocolType:
		if kind != "TLSRoute" {
			return false
		}
	default:
		return false
	}
	if l.AllowedRoutes == nil || len(l.AllowedRoutes.Kinds) == 0 {
		return true
	}
	return slices.ContainsFunc(l.AllowedRoutes.Kinds, func(k gatewayv1.RouteGroupKind) bool {
		return string(k.Kind) == kind && (k.Group == nil || string(*k.Group) == gatewayv1.GroupName)
	})
}

// hostnamesIntersect reports whether a route with hostnames can serve a
// listener with hostname: either unset, or some pair matches (exactly, or
// one's leading "*." wildcard covers the other).
func hostnamesIntersect(listener *gatewayv1.Hostname, route []gatewayv1.Hostname) bool {
	if listener == nil || *listener == "" || len(route) == 0 {
		return true
	}
	return slices.ContainsFunc(route, func(h gatewayv1.Hostname) bool {
		return hostnameCovers(string(*listener), string(h)) || hostnameCovers(string(h), string(*listener))
	})
}

// hostnameCovers reports whether pattern (a name or "*.suffix") matches name.
func hostnameCovers(pattern, name string) bool {
	pattern, name = strings.ToLower(pattern), strings.ToLower(name)
	if pattern == name {
		return true
	}
	suffix, ok := strings.CutPrefix(pattern, "*")
	return ok && strings.HasSuffix(name, suffix) && len(name) > len(suffix)
}

// routeRedirectsToHTTPS reports whether every rule of rt answers with a
// RequestRedirect to the https scheme, so nothing is served in plaintext.
func routeRedirectsToHTTPS(rt *gatewayv1.HTTPRoute) bool {
	if len(rt.Spec.Rules) == 0 {
		return false
	}
	for _, rule := range rt.Spec.Rules {
		if !slices.ContainsFunc(rule.Filters, func(f gatewayv1.HTTPRouteFilter) bool {
			return f.Type == gatewayv1.HTTPRouteFilterRequestRedirect && f.RequestRedirect != nil &&
				f.RequestRedirect.Scheme != nil && strings.EqualFold(*f.RequestRedirect.Scheme, "https")
		}) {
			return false
		}
	}
	return true
}
