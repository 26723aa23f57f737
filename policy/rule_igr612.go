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
		Istio:         "istiod chart mutatingwebhook.yaml (1.31 line): `{{ if .Values.sidecarInjectorWebhook.enableNamespacesByDefault }}` (default false, Helm truthiness: a quoted \"false\" is true) adds the `auto.` webhook that selects every unlabelled namespace except the system ones.",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Values == nil {
				return nil
			}
			// The chart tests it with Helm's `if` (mutatingwebhook.yaml), where
			// any non-empty string, "false" included, is true.
			n := cp.Values.get("sidecarInjectorWebhook", "enableNamespacesByDefault")
			if !helmTruthy(n.val) {
				return nil
			}
			if _, isString := n.val.(string); isString {
				return []Violation{Invalid(n.path, n.val, "is a string, which Helm's if reads as true; must be false").
					WithFix("set " + n.path.String() + ": false (unquoted)")}
			}
			return []Violation{Invalid(n.path, n.val, "must be false")}
		},
	}
}
