package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// drSite is one place in a DestinationRule where client TLS, a connection pool
// or outlier detection can be written: the top-level trafficPolicy, one of its
// portLevelSettings, a subset's trafficPolicy or one of the subset's
// portLevelSettings. Rules walk every site so that a setting cannot hide from
// them in a place a simpler check would miss.
type drSite struct {
	// Path is the path of the traffic policy or port-level policy.
	Path *field.Path
	// TLS, Pool and Outlier are the settings written at this site (nil if absent).
	TLS     *networkingapi.ClientTLSSettings
	Pool    *networkingapi.ConnectionPoolSettings
	Outlier *networkingapi.OutlierDetection
	// PortLevel marks a portLevelSettings entry. Istio does not inherit into
	// it: for its port, istiod replaces the connection pool, outlier
	// detection, load balancer and TLS of the enclosing policy with the
	// entry's, absent ones included (MergeTrafficPolicy in
	// pilot/pkg/networking/core; the PortTrafficPolicy proto comment: "default
	// values will be applied to fields omitted in port-level traffic
	// policies"). A port-level entry without a pool is a port without one.
	PortLevel bool
	// Port is the port number of a port-level entry.
	Port uint32
}

// drSetFix renders a precise fix for a missing or bad field: "set <path> (e.g. <example>)".
func drSetFix(p *field.Path, example string) string {
	return "set " + p.String() + " (e.g. " + example + ")"
}

// drTopLevelPath is the path of the DestinationRule's top-level trafficPolicy.
func drTopLevelPath() *field.Path { return field.NewPath("spec", "trafficPolicy") }

// drSites lists every site of dr in document order: the top-level policy, its
// port-level policies, then each subset's policy and its port-level policies.
// Traffic policies that are absent contribute no site.
func drSites(dr *networkingapi.DestinationRule) []drSite {
	var sites []drSite
	sites = appendTrafficPolicySites(sites, drTopLevelPath(), dr.GetTrafficPolicy())
	for i, s := range dr.GetSubsets() {
		p := field.NewPath("spec", "subsets").Index(i).Child("trafficPolicy")
		sites = appendTrafficPolicySites(sites, p, s.GetTrafficPolicy())
	}
	return sites
}

// appendTrafficPolicySites appends the site of tp and of each of its
// port-level policies. A nil tp appends nothing.
func appendTrafficPolicySites(sites []drSite, path *field.Path, tp *networkingapi.TrafficPolicy) []drSite {
	if tp == nil {
		return sites
	}
	sites = append(sites, drSite{
		Path:    path,
		TLS:     tp.GetTls(),
		Pool:    tp.GetConnectionPool(),
		Outlier: tp.GetOutlierDetection(),
	})
	for i, pl := range tp.GetPortLevelSettings() {
		if pl == nil {
			continue
		}
		sites = append(sites, drSite{
			Path:      path.Child("portLevelSettings").Index(i),
			TLS:       pl.GetTls(),
			Pool:      pl.GetConnectionPool(),
			Outlier:   pl.GetOutlierDetection(),
			PortLevel: true,
			Port:      pl.GetPort().GetNumber(),
		})
	}
	return sites
}
