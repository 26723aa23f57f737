package policy

import (
	extensionsapi "istio.io/api/extensions/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR707 asks for a review of every WasmPlugin, as IGR704 for EnvoyFilters.
func ruleIGR707() *Rule {
	return &Rule{
		ID:    "IGR707",
		Title: "WasmPlugin needs review",
		Description: "A WasmPlugin loads third-party code into the proxies it selects, inside the request path: it " +
			"sees (and may change) every header and body, including credentials, and at `phase: AUTHN` runs before " +
			"Istio's authentication and authorization. Every WasmPlugin is reported as a warning so that a reviewer " +
			"signs off the module and its configuration (then exempt it with a reason).",
		Remediation:   "review the module, its source and its pluginConfig, then exempt the WasmPlugin with a reason",
		Istio:         "WasmPlugin proto (istio.io/api v1.31): the module runs in the selected proxies' HTTP filter chain at `phase` (AUTHN, AUTHZ, STATS or before the router); `failStrategy` FAIL_CLOSE by default.",
		Targets:       []Kind{KindWasmPlugin},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			w, _ := bodyAs[extensionsapi.WasmPlugin](obj)
			if w == nil {
				return nil
			}
			return []Violation{Invalid(field.NewPath("spec", "url"), w.GetUrl(), "runs third-party code in the proxies and needs a review")}
		},
	}
}
