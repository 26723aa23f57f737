package policy

import (
	"testing"
	"time"

	networkingapi "istio.io/api/networking/v1alpha3"
)

// igr203GoodPool is a complete connection pool in flow style.
const igr203GoodPool = `{tcp: {maxConnections: 100, connectTimeout: 5s}, http: {http2MaxRequests: 1000, maxRequestsPerConnection: 100}}`

func TestIGR203(t *testing.T) {
	const top = "host: web\ntrafficPolicy:\n  connectionPool: " + igr203GoodPool + "\n"
	rules1Run(t, ruleIGR203(), KindDestinationRule, []rules1Case{
		{desc: "complete top-level pool is fine", spec: top},
		{desc: "http1MaxPendingRequests instead of http2MaxRequests is fine", spec: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 100, connectTimeout: 10s}
    http: {http1MaxPendingRequests: 64, maxRequestsPerConnection: 10}`},
		{desc: "no trafficPolicy at all", spec: `host: web`,
			want: []string{"spec.trafficPolicy.connectionPool"}},
		{desc: "trafficPolicy without a pool", spec: `{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`,
			want: []string{"spec.trafficPolicy.connectionPool"}},
		{desc: "empty pool reports every missing setting", spec: `{host: web, trafficPolicy: {connectionPool: {}}}`,
			want: []string{
				"spec.trafficPolicy.connectionPool.tcp.maxConnections",
				"spec.trafficPolicy.connectionPool.tcp.connectTimeout",
				"spec.trafficPolicy.connectionPool.http.http2MaxRequests",
				"spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection",
			}},
		{desc: "zero maxConnections counts as unset", spec: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 0, connectTimeout: 1s}
    http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}`,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.maxConnections"}},
		{desc: "connectTimeout above the maximum is denied", spec: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 10, connectTimeout: 30s}
    http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}`,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		{desc: "zero connectTimeout is denied", spec: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 10, connectTimeout: 0s}
    http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}`,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		{desc: "maximum is a parameter", params: Params{paramMaxConnectTimeout: time.Minute}, spec: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 10, connectTimeout: 30s}
    http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}`},
		{desc: "incomplete port-level pool is denied", spec: top +
			"  portLevelSettings: [{port: {number: 80}, connectionPool: {tcp: {maxConnections: 5}}}]",
			want: []string{
				"spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.connectTimeout",
				"spec.trafficPolicy.portLevelSettings[0].connectionPool.http.http2MaxRequests",
				"spec.trafficPolicy.portLevelSettings[0].connectionPool.http.maxRequestsPerConnection",
			}},
		{desc: "port-level pool with a slow connectTimeout is denied", spec: top +
			"  portLevelSettings:\n  - port: {number: 80}\n    connectionPool:\n" +
			"      tcp: {maxConnections: 5, connectTimeout: 11s}\n      http: {http2MaxRequests: 5, maxRequestsPerConnection: 5}",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.connectTimeout"}},
		{desc: "incomplete subset pool is denied", spec: top +
			"subsets: [{name: v1, trafficPolicy: {connectionPool: {http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}}}}]",
			want: []string{
				"spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnections",
				"spec.subsets[0].trafficPolicy.connectionPool.tcp.connectTimeout",
			}},
		{desc: "incomplete subset port-level pool is denied", spec: top + `subsets:
- name: v1
  trafficPolicy:
    connectionPool: ` + igr203GoodPool + `
    portLevelSettings: [{port: {number: 81}, connectionPool: {tcp: {maxConnections: 1, connectTimeout: 1s}}}]`,
			want: []string{
				"spec.subsets[0].trafficPolicy.portLevelSettings[0].connectionPool.http.http2MaxRequests",
				"spec.subsets[0].trafficPolicy.portLevelSettings[0].connectionPool.http.maxRequestsPerConnection",
			}},
		{desc: "subset pool does not replace the top-level one", spec: "host: web\nsubsets: [{name: v1, trafficPolicy: {connectionPool: " +
			igr203GoodPool + "}}]",
			want: []string{"spec.trafficPolicy.connectionPool"}},
		{desc: "subset without its own pool inherits the top level", spec: top + "subsets: [{name: v1, labels: {v: '1'}}]"},
	})
}

func TestIGR203Action(t *testing.T) {
	obj := rules1Object(t, KindDestinationRule, "apps", `host: web`)
	got := rules1Actions(t, obj, "IGR203")
	if got["spec.trafficPolicy.connectionPool"] != ActionDeny {
		t.Errorf("IGR203 actions = %v, want deny on spec.trafficPolicy.connectionPool", got)
	}
}

func TestIGR203Nil(t *testing.T) {
	rules1Nil(t, ruleIGR203(), KindDestinationRule, (*networkingapi.DestinationRule)(nil))
}
