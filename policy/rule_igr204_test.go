package policy

import (
	"testing"
)

// igr204GoodOutlier is a complete outlier detection in flow style.
const igr204GoodOutlier = `{consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}`

func TestIGR204(t *testing.T) {
	const top = "host: web\ntrafficPolicy:\n  outlierDetection: " + igr204GoodOutlier + "\n"
	runRuleTable(t, ruleIGR204(), map[string]ruleCase{
		"complete top-level outlier detection is fine": {doc: top},
		"gateway errors instead of 5xx errors are fine": {doc: `
host: web
trafficPolicy: {outlierDetection: {consecutiveGatewayErrors: 3, interval: 5s, baseEjectionTime: 60s}}`},
		"no trafficPolicy at all": {doc: `host: web`, want: []string{"spec.trafficPolicy.outlierDetection"}},
		"empty outlier detection ejects with Istio's defaults (5 errors, 10s, 30s)": {doc: `{host: web, trafficPolicy: {outlierDetection: {}}}`},
		"Go-style durations as in Istio's docs":                                     {doc: `{host: web, trafficPolicy: {outlierDetection: {interval: 5m, baseEjectionTime: 15m}}}`},
		"explicit zero thresholds disable detection": {doc: `
host: web
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 0, interval: 5s, baseEjectionTime: 30s}`,
			want: []string{"spec.trafficPolicy.outlierDetection.consecutive5xxErrors"}},
		"explicit zero 5xx errors without gateway errors disables detection": {doc: `{host: web, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}}`,
			want: []string{"spec.trafficPolicy.outlierDetection.consecutive5xxErrors"}},
		"explicit zero 5xx errors with gateway errors is fine": {doc: `{host: web, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 2}}}`},
		"deprecated consecutiveErrors is advisory": {doc: `
host: web
trafficPolicy: {outlierDetection: {consecutiveErrors: 5, interval: 5s, baseEjectionTime: 30s}}`,
			want: []string{"spec.trafficPolicy.outlierDetection.consecutive5xxErrors (advisory)"}},
		"maxEjectionPercent 100 is advisory": {doc: `
host: web
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 5, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 100}`,
			want: []string{"spec.trafficPolicy.outlierDetection.maxEjectionPercent (advisory)"}},
		"port-level outlier detection that disables ejection is denied": {doc: top +
			"  portLevelSettings: [{port: {number: 80}, outlierDetection: {consecutive5xxErrors: 0, interval: 1s}}]",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].outlierDetection.consecutive5xxErrors"}},
		"port-level entry without outlier detection does not inherit the top-level one": {doc: top +
			"  portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: LEAST_REQUEST}}]",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].outlierDetection"}},
		"subset outlier detection that disables ejection is denied": {doc: top +
			"subsets: [{name: v1, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0, baseEjectionTime: 1s}}}]",
			want: []string{"spec.subsets[0].trafficPolicy.outlierDetection.consecutive5xxErrors"}},
		"subset port-level maxEjectionPercent 100 is advisory": {doc: top + `subsets:
- name: v1
  trafficPolicy:
    portLevelSettings:
    - port: {number: 81}
      outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 1s, maxEjectionPercent: 100}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].outlierDetection.maxEjectionPercent (advisory)"}},
		"subset outlier detection does not cover the other subsets": {
			doc:  "host: web\nsubsets: [{name: v1, trafficPolicy: {outlierDetection: " + igr204GoodOutlier + "}}]",
			want: []string{"spec.trafficPolicy.outlierDetection"}},
	})
}

func TestIGR204Action(t *testing.T) {
	obj := testObject(t, KindDestinationRule, `
host: web
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 0, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 100}`)
	got := engineActions(t, obj, "IGR204")
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
	checkRuleNil(t, ruleIGR204())
}
