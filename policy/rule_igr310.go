package policy

// ruleIGR310 warns on Gateway API listener hostnames that are wildcards over a public suffix.
func ruleIGR310() *Rule {
	return &Rule{
		ID:    "IGR310",
		Title: "Gateway API listener hostname is a wildcard over a public suffix",
		Description: "A listener `hostname` such as `*.com` or `*.co.uk` matches every domain registered under that " +
			"suffix, and one over a shared hosting suffix (`*.github.io`) every tenant of the provider: requests " +
			"for names nobody here owns are routed instead of refused, as with IGR305's `*`. Name the domain the " +
			"listener serves (`*.example.com` is fine). Hostnames are compared case-insensitively against the Public " +
			"Suffix List compiled into golang.org/x/net (the rule IGR503 uses).",
		Remediation:   "set the listener hostname to the domain it serves, e.g. *.example.com",
		Istio:         "istiod buildHostnameMatch (1.31 line): the listener hostname becomes the Istio Gateway server host `<namespace>/<hostname>`; the Gateway API allows only a leading `*.` wildcard.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionWarn,
		CELGap:        celSuffixes,
		Params:        ParamsOf(defaultGatewayClasses()),
		Check: checkWith(func(_ *Context, obj *Object, p *GatewayClassesParams) []Violation {
			return forEachGatewayAPIListener(obj, p.GatewayClasses, func(l gwListener) []Violation {
				if l.Hostname == nil || wildcardBreadth(string(*l.Hostname)) == hostNarrow {
					return nil
				}
				return []Violation{Invalid(l.Path.Child("hostname"), string(*l.Hostname),
					"matches every domain under a public suffix")}
			})
		}),
	}
}
