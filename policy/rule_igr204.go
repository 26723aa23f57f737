package policy

import (
	"fmt"

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
			"Istio's circuit-breaking and resilience guidance pairs it with the connection pool. The rule judges the " +
			"outlier detection each port of each subset runs with, as istiod merges them (Istio 1.2x): the top-level " +
			"`trafficPolicy.outlierDetection` is required; a subset's replaces it; a `portLevelSettings` entry inherits " +
			"nothing, so an entry without its own `outlierDetection` leaves its port without ejection and is reported. " +
			"A written block counts with Istio's documented defaults (the OutlierDetection proto comments): " +
			"`consecutive5xxErrors` 5, `interval` 10s, `baseEjectionTime` 30s, `maxEjectionPercent` 10%, so " +
			"`outlierDetection: {}` already ejects. It is a hit when the block disables every detector: " +
			"`consecutive5xxErrors: 0` without `consecutiveGatewayErrors` above 0. The deprecated `consecutiveErrors` " +
			"earns a warning to migrate. `maxEjectionPercent: 100` is a warning: it lets a correlated failure eject " +
			"every endpoint, leaving the host with none.",
		Remediation: "set trafficPolicy.outlierDetection (and one in every portLevelSettings entry), without disabling " +
			"consecutive5xxErrors",
		Istio:         "OutlierDetection proto defaults: `consecutive5xxErrors` 5 (0 disables), `consecutiveGatewayErrors` off, `interval` 10s, `baseEjectionTime` 30s, `maxEjectionPercent` 10%; same merge rules as IGR203.",
		Targets:       []Kind{KindDestinationRule},
		DefaultAction: ActionDeny,
		CELGap:        celDurations,
		Check:         checkIGR204,
	}
}

// checkIGR204 requires the top-level outlier detection and checks every written one.
func checkIGR204(_ *Context, obj *Object, _ Params) []Violation {
	dr, ok := bodyAs[networkingapi.DestinationRule](obj)
	if !ok {
		return nil
	}
	var out []Violation
	if dr.GetTrafficPolicy().GetOutlierDetection() == nil {
		out = append(out, Required(drTopLevelPath().Child("outlierDetection"),
			"is missing, so failing endpoints are never ejected"))
	}
	for _, s := range drSites(dr) {
		switch {
		case s.Outlier != nil:
			out = append(out, igr204Outlier(s.Path.Child("outlierDetection"), s.Outlier)...)
		case s.PortLevel:
			p := s.Path.Child("outlierDetection")
			out = append(out, Required(p, fmt.Sprintf("must be set: port %d inherits no outlier detection", s.Port)).
				WithFix(drSetFix(p, "consecutive5xxErrors: 5")))
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
	if od.GetMaxEjectionPercent() >= 100 {
		p := path.Child("maxEjectionPercent")
		out = append(out, Invalid(p, od.GetMaxEjectionPercent(), "lets every endpoint be ejected at once").
			WithFix("set "+p.String()+" below 100 (e.g. 50)").AsAdvisory())
	}
	return out
}

// igr204Threshold requires consecutive5xxErrors or consecutiveGatewayErrors
// igr204Threshold checks that the block leaves a detector on. An unset
// consecutive5xxErrors is Istio's default of 5; an explicit 0 disables it,
// which is fine only with consecutiveGatewayErrors above 0. The deprecated
// consecutiveErrors still works (istiod turns it into a gateway-error
// detector and switches the 5xx one off) but earns an advisory to migrate.
func igr204Threshold(path *field.Path, od *networkingapi.OutlierDetection) (Violation, bool) {
	p := path.Child("consecutive5xxErrors")
	if od.GetConsecutiveErrors() > 0 && od.GetConsecutive_5XxErrors() == nil && od.GetConsecutiveGatewayErrors() == nil {
		return Required(p, "should replace the deprecated consecutiveErrors").
			WithFix("replace consecutiveErrors with " + p.String() + " or consecutiveGatewayErrors").AsAdvisory(), true
	}
	fiveXX := od.GetConsecutive_5XxErrors()
	if fiveXX == nil || fiveXX.GetValue() > 0 || od.GetConsecutiveGatewayErrors().GetValue() > 0 {
		return Violation{}, false
	}
	return Invalid(p, 0, "disables ejection, and consecutiveGatewayErrors is not above 0").
		WithFix(drSetFix(p, "5") + " or remove it for the default of 5"), true
}
