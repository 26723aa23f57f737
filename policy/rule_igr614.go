package policy

import (
	telemetryapi "istio.io/api/telemetry/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR614 flags Telemetry resources that switch access logging off.
func ruleIGR614() *Rule {
	return &Rule{
		ID:    "IGR614",
		Title: "Telemetry turns access logging off",
		Description: "IGR608 requires an access log for every proxy. A Telemetry resource overrides the mesh config " +
			"at mesh (root namespace, no selector), namespace or workload scope, and `accessLogging[].disabled: true` " +
			"switches the log off there (for the providers listed, or the default provider), whatever the mesh " +
			"config says: requests to those workloads leave no trace. Reduce volume with a `filter` expression " +
			"instead. The log's encoding is not a Telemetry field: it belongs to the provider (the mesh config's " +
			"`accessLogEncoding` for the built-in `envoy` provider, IGR608), so it is not judged here.",
		Remediation: "remove accessLogging[].disabled (or set it to false) and use a filter expression to reduce volume",
		Istio: "Telemetry proto (istio.io/api v1.31): `disabled` \"if set to true, no access logs will be generated for " +
			"impacted workloads (for the specified providers)\"; no providers means meshConfig.defaultProviders.accessLogging; " +
			"a Telemetry in the root namespace without selector applies mesh-wide.",
		Targets:       []Kind{KindTelemetry},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Params:        ParamsOf(defaultMeshRoot()),
		Check: checkWith(func(_ *Context, obj *Object, p *MeshRootParams) []Violation {
			t, _ := bodyAs[telemetryapi.Telemetry](obj)
			if t == nil {
				return nil
			}
			var out []Violation
			for i, al := range t.GetAccessLogging() {
				if al.GetDisabled().GetValue() {
					out = append(out, Invalid(field.NewPath("spec", "accessLogging").Index(i).Child("disabled"), true,
						"turns access logging off "+telemetryScope(obj, t, p.RootNamespace)))
				}
			}
			return out
		}),
	}
}
