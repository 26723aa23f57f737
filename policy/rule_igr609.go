package policy

func ruleIGR609() *Rule {
	return &Rule{
		ID:    "IGR609",
		Title: "Applications may start before their sidecar",
		Description: "Unless `defaultConfig.holdApplicationUntilProxyStarts` is true, application containers start in " +
			"parallel with istio-proxy; their first connections fail (or, with some interception settings, leave " +
			"the pod unencrypted) until Envoy is ready. Set it mesh-wide; for IstioOperator and istiod values the " +
			"legacy `global.proxy.holdApplicationUntilProxyStarts: true` counts too. " + cpMeshSourcesDoc,
		Remediation:   "set meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true",
		Istio:         "ProxyConfig proto: `holdApplicationUntilProxyStarts` defaults to false; it has no effect with native sidecars, where the proxy starts first anyway.",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		Params:        []ParamSpec{cpRootNamespaceParam()},
		Check: cpMeshCheck(func(src cpMeshSource, _ Params) []Violation {
			n := src.Mesh.get("defaultConfig", "holdApplicationUntilProxyStarts")
			if b, _ := n.boolean(); b {
				return nil
			}
			if src.Values != nil {
				if b, _ := src.Values.get("global", "proxy", "holdApplicationUntilProxyStarts").boolean(); b {
					return nil
				}
			}
			if n.set {
				return []Violation{Invalid(n.path, n.val, "must be true")}
			}
			return []Violation{Required(n.path, "defaults to false; must be true")}
		}),
	}
}
