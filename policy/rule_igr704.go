package policy

import "k8s.io/apimachinery/pkg/util/validation/field"

func ruleIGR704() *Rule {
	return &Rule{
		ID:    "IGR704",
		Title: "EnvoyFilter needs review",
		Description: "An EnvoyFilter patches the generated Envoy configuration directly. It bypasses Istio's API " +
			"validation, can silently disable security filters (authorization, JWT, mTLS settings), depends on " +
			"Envoy internals that change between Istio versions, and breaks upgrades. Every EnvoyFilter is " +
			"reported as a warning so that a reviewer signs it off (then exempt it with a reason).",
		Remediation:   "prefer an Istio API (Telemetry, WasmPlugin, AuthorizationPolicy); otherwise review it and exempt it with a reason",
		Istio:         "EnvoyFilter proto: patches are applied to generated Envoy config without API validation.",
		Targets:       []Kind{KindEnvoyFilter},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, _ *Object, _ Params) []Violation {
			return []Violation{Invalid(field.NewPath("spec", "configPatches"), nil,
				"patch Envoy configuration directly and need a security review")}
		},
	}
}
