package policy

import (
	telemetryapi "istio.io/api/telemetry/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR615 caps Telemetry tracing sampling like IGR610 caps the mesh's.
func ruleIGR615() *Rule {
	return &Rule{
		ID:    "IGR615",
		Title: "Telemetry tracing sampling rate too high",
		Description: "IGR610 caps the mesh's tracing sampling. A Telemetry resource sets " +
			"`tracing[].randomSamplingPercentage` for the mesh (root namespace, no selector), a namespace or " +
			"selected workloads, overriding the mesh config there. Above `maxSamplingPercent` (10 by default, as " +
			"IGR610) every sampled request costs proxy CPU and tracing-backend capacity, and 100% traces every " +
			"request, headers included, into the tracing system.",
		Remediation: "lower tracing[].randomSamplingPercentage to 10 or less (1 is the production default)",
		Istio: "Telemetry proto: `randomSamplingPercentage` is a percentage [0-100] applied when no prior sampling decision " +
			"exists, overriding the parent scope's (missing values filled from parents).",
		Targets:       []Kind{KindTelemetry},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Params:        ParamsOf(SamplingParams{MaxSamplingPercent: 10, MeshRootParams: defaultMeshRoot()}),
		Check: checkWith(func(_ *Context, obj *Object, p *SamplingParams) []Violation {
			t, _ := bodyAs[telemetryapi.Telemetry](obj)
			if t == nil {
				return nil
			}
			var out []Violation
			for i, tr := range t.GetTracing() {
				if s := tr.GetRandomSamplingPercentage(); s != nil && s.GetValue() > p.MaxSamplingPercent {
					out = append(out, Invalid(field.NewPath("spec", "tracing").Index(i).Child("randomSamplingPercentage"),
						s.GetValue(), "samples above the maximum "+telemetryScope(obj, t, p.RootNamespace)))
				}
			}
			return out
		}),
	}
}
