package policy

import "fmt"

// SamplingParams are the parameters of the tracing sampling rules.
type SamplingParams struct {
	MaxSamplingPercent float64 `yaml:"maxSamplingPercent" desc:"highest allowed tracing sampling percentage"`
	MeshRootParams     `yaml:",inline"`
}

func ruleIGR610() *Rule {
	return &Rule{
		ID:    "IGR610",
		Title: "Tracing sampling rate too high",
		Description: "Every sampled request costs proxy CPU and collector capacity, and high rates ship request " +
			"metadata (paths, headers) to the tracing backend. The rule checks the percentage (0-100) in " +
			"`defaultConfig.tracing.sampling` and, for IstioOperator and istiod values, `pilot.traceSampling` " +
			"(or top-level `traceSampling`) and the `PILOT_TRACE_SAMPLING` override (`pilot.env`, or istiod's `k8s.env` in an IstioOperator), against the parameter `maxSamplingPercent`. Unset values default to 1%. " +
			"Rates set in Telemetry resources are not visible here. " + cpMeshSourcesDoc,
		Remediation:   "lower the tracing sampling percentage to 10 or less (1 is the production default)",
		Istio:         "ProxyConfig tracing `sampling` and the istiod chart's `traceSampling` (PILOT_TRACE_SAMPLING) default to 1.0 (percent).",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		CELGap:        celMeshConfig,
		Params:        ParamsOf(SamplingParams{MaxSamplingPercent: 10, MeshRootParams: defaultMeshRoot()}),
		Check: cpMeshCheck(func(src cpMeshSource, p *SamplingParams) []Violation {
			nodes := []cpNode{src.Mesh.get("defaultConfig", "tracing", "sampling")}
			if src.Values != nil {
				v := src.Values
				nodes = append(nodes, cpFirstSet(v.get("pilot", "traceSampling"), v.get("traceSampling")),
					v.get("pilot", "env", "PILOT_TRACE_SAMPLING"))
			}
			if env := src.PilotEnv.envVar("PILOT_TRACE_SAMPLING"); env.set {
				nodes = append(nodes, env)
			}
			maxPercent := p.MaxSamplingPercent
			var out []Violation
			for _, n := range nodes {
				if f, ok := n.number(); ok && f > maxPercent {
					out = append(out, Invalid(n.path, n.val, fmt.Sprintf("must be at most %g (percent)", maxPercent)))
				}
			}
			return out
		}),
	}
}
