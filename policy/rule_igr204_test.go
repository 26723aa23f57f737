package policy

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
)

// igr204GoodOutlier is a complete outlier detection in flow style.
const igr204GoodOutlier = `{consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}`

func TestIGR204(t *testing.T) {
	const top = "host: web\ntrafficPolicy:\n  outlierDetection: " + igr204GoodOutlier + "\n"
	rules1Run(t, ruleIGR204(), KindDestinationRule, []rules1Case{
		{desc: "complete top-level outlier detection is fine", spec: top},
		{desc: "gateway errors instead of 5xx errors are fine", spec: `
host: web
trafficPolicy: {outlierDetection: {consecutiveGatewayErrors: 3, interval: 5s, baseEjectionTime: 60s}}`},
		{desc: "no trafficPolicy at all", spec: `host: web`,
			want: []string{"spec.trafficPolicy.outlierDetection"}},
		{desc: "empty outlier detection reports every missing setting",
			spec: `{host: web, trafficPolicy: {outlierDetection: {}}}`,
			want: []string{
				"spec.trafficPolicy.outlierDetection.consecutive5xxErrors",
				"spec.trafficPolicy.outlierDetection.interval",
				"spec.trafficPolicy.outlierDetection.baseEjectionTime",
			}},
		{desc: "explicit zero thresholds disable detection", spec: `
host: web
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 0, interval: 5s, baseEjectionTime: 30s}`,
			want: []string{"spec.trafficPolicy.outlierDetection.consecutive5xxErrors"}},
		{desc: "deprecated consecutiveErrors is advisory", spec: `
host: web
trafficPolicy: {outlierDetection: {consecutiveErrors: 5, interval: 5s, baseEjectionTime: 30s}}`,
			want: []string{"spec.trafficPolicy.outlierDetection.consecutive5xxErrors (advisory)"}},
		{desc: "maxEjectionPercent 100 is advisory", spec: `
host: web
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 5, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 100}`,
			want: []string{"spec.trafficPolicy.outlierDetection.maxEjectionPercent (advisory)"}},
		{desc: "incomplete port-level outlier detection is denied", spec: top +
			"  portLevelSettings: [{port: {number: 80}, outlierDetection: {consecutive5xxErrors: 1, interval: 1s}}]",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].outlierDetection.baseEjectionTime"}},
		{desc: "incomplete subset outlier detection is denied", spec: top +
			"subsets: [{name: v1, trafficPolicy: {outlierDetection: {interval: 1s, baseEjectionTime: 1s}}}]",
			want: []string{"spec.subsets[0].trafficPolicy.outlierDetection.consecutive5xxErrors"}},
		{desc: "subset port-level maxEjectionPercent 100 is advisory", spec: top + `subsets:
- name: v1
  trafficPolicy:
    portLevelSettings:
    - port: {number: 81}
      outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 1s, maxEjectionPercent: 100}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].outlierDetection.maxEjectionPercent (advisory)"}},
		{desc: "subset outlier detection does not replace the top-level one",
			spec: "host: web\nsubsets: [{name: v1, trafficPolicy: {outlierDetection: " + igr204GoodOutlier + "}}]",
			want: []string{"spec.trafficPolicy.outlierDetection"}},
	})
}

func TestIGR204Action(t *testing.T) {
	obj := rules1Object(t, KindDestinationRule, "apps", `
host: web
trafficPolicy:
  outlierDetection: {interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 100}`)
	got := rules1Actions(t, obj, "IGR204")
	want := map[string]Action{
		"spec.trafficPolicy.outlierDetection.consecutive5xxErrors": ActionDeny,
		"spec.trafficPolicy.outlierDetection.maxEjectionPercent":   ActionWarn,
	}
	if len(got) != len(want) {
		t.Fatalf("IGR204 actions = %v, want %v", got, want)
	}
	for f, a := range want {
		if got[f] != a {
			t.Errorf("IGR204 action on %s = %q, want %q", f, got[f], a)
		}
	}
}

func TestIGR204Nil(t *testing.T) {
	rules1Nil(t, ruleIGR204(), KindDestinationRule, (*networkingapi.DestinationRule)(nil))
}
