package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR204 requires explicit, complete outlier detection.
func ruleIGR204() *Rule {
	return &Rule{
		ID:    "IGR204",
		Title: "DestinationRule outlier detection missing or incomplete",
		Description: "Outlier detection ejects failing endpoints from the load-balancing pool; without it a crashed " +
			"or overloaded pod keeps receiving its share of requests until Kubernetes readiness catches up, and " +
			"Istio's circuit-breaking and resilience guidance pairs it with the connection pool. The top-level " +
			"`trafficPolicy.outlierDetection` is required; a subset or port-level policy only covers its own subset or " +
			"port. Every `outlierDetection` that is written (top level, `portLevelSettings`, subsets, the subsets' " +
			"`portLevelSettings`) overrides the one above it and must state its thresholds explicitly: " +
			"`consecutive5xxErrors` or `consecutiveGatewayErrors` above 0 (an explicit 0 disables that detector), " +
			"`interval` and `baseEjectionTime`. The deprecated `consecutiveErrors` alone earns only a warning to " +
			"migrate. `maxEjectionPercent: 100` is a warning: it lets a correlated failure eject every endpoint, " +
			"leaving the host with none.",
		Remediation: "set trafficPolicy.outlierDetection with consecutive5xxErrors (or consecutiveGatewayErrors), " +
			"interval and baseEjectionTime",
		Targets:       []Kind{KindDestinationRule},
		DefaultAction: ActionDeny,
		Check:         checkIGR204,
	}
}

// checkIGR204 requires the top-level outlier detection and checks every written one.
func checkIGR204(_ *Context, obj *Object, _ Params) []Violation {
	dr, ok := destinationRuleOf(obj)
	if !ok {
		return nil
	}
	var out []Violation
	if dr.GetTrafficPolicy().GetOutlierDetection() == nil {
		out = append(out, Required(drTopLevelPath().Child("outlierDetection"),
			"is missing, so failing endpoints are never ejected"))
	}
	for _, s := range drSites(dr) {
		if s.Outlier != nil {
			out = append(out, igr204Outlier(s.Path.Child("outlierDetection"), s.Outlier)...)
		}
	}
	return out
}

// igr204Outlier checks that one outlier detection block is complete.
func igr204Outlier(path *field.Path, od *networkingapi.OutlierDetection) []Violation {
	var out []Violation
	if v, bad := igr204Threshold(path, od); bad {
		out = append(out, v)
	}
	if od.GetInterval() == nil {
		p := path.Child("interval")
		out = append(out, Required(p, "must be set so hosts are scanned for errors").WithFix(drSetFix(p, "10s")))
	}
	if od.GetBaseEjectionTime() == nil {
		p := path.Child("baseEjectionTime")
		out = append(out, Required(p, "must be set so ejections last long enough").WithFix(drSetFix(p, "30s")))
	}
	if od.GetMaxEjectionPercent() >= 100 {
		p := path.Child("maxEjectionPercent")
		out = append(out, Invalid(p, od.GetMaxEjectionPercent(), "lets every endpoint be ejected at once").
			WithFix("set "+p.String()+" below 100 (e.g. 50)").AsAdvisory())
	}
	return out
}

// igr204Threshold requires consecutive5xxErrors or consecutiveGatewayErrors
// above 0; the deprecated consecutiveErrors only earns an advisory.
func igr204Threshold(path *field.Path, od *networkingapi.OutlierDetection) (Violation, bool) {
	if od.GetConsecutive_5XxErrors().GetValue() > 0 || od.GetConsecutiveGatewayErrors().GetValue() > 0 {
		return Violation{}, false
	}
	p := path.Child("consecutive5xxErrors")
	if od.GetConsecutiveErrors() > 0 {
		return Required(p, "should replace the deprecated consecutiveErrors").
			WithFix("replace consecutiveErrors with " + p.String() + " or consecutiveGatewayErrors").AsAdvisory(), true
	}
	return Required(p, "or consecutiveGatewayErrors must be above 0 to eject hosts").WithFix(drSetFix(p, "5")), true
}
