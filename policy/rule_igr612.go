package policy

func ruleIGR612() *Rule {
	return &Rule{
		ID:    "IGR612",
		Title: "Sidecar injection enabled in every namespace by default",
		Description: "With `sidecarInjectorWebhook.enableNamespacesByDefault: true` the injector matches every " +
			"namespace without an explicit opt-out, including system namespaces and those of operators that do " +
			"not expect a sidecar, and the mesh's blast radius is no longer a decision made per namespace. " +
			"Opt namespaces in with `istio-injection=enabled` or `istio.io/rev`. Sources: IstioOperator " +
			"`spec.values.sidecarInjectorWebhook` and istiod chart values `sidecarInjectorWebhook`.",
		Remediation:   "set sidecarInjectorWebhook.enableNamespacesByDefault: false and label the namespaces to inject",
		Istio:         "istiod chart: `sidecarInjectorWebhook.enableNamespacesByDefault` (default false) adds the `auto.` webhook that selects every unlabelled namespace except the system ones.",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues},
		DefaultAction: ActionDeny,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Values == nil {
				return nil
			}
			n := cp.Values.get("sidecarInjectorWebhook", "enableNamespacesByDefault")
			if b, _ := n.boolean(); b {
				return []Violation{Invalid(n.path, n.val, "must be false")}
			}
			return nil
		},
	}
}
