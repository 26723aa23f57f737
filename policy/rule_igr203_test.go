package policy

import (
	"testing"
	"time"
)

// igr203GoodPool is a complete connection pool in flow style.
const igr203GoodPool = `{tcp: {maxConnections: 100, connectTimeout: 5s}, http: {http2MaxRequests: 1000, maxRequestsPerConnection: 100}}`

func TestIGR203(t *testing.T) {
	const top = "host: web\ntrafficPolicy:\n  connectionPool: " + igr203GoodPool + "\n"
	const tcpHTTP = "\n    http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}"
	runRuleTable(t, ruleIGR203(), map[string]ruleCase{
		"complete top-level pool is fine": {doc: top},
		"http1MaxPendingRequests instead of http2MaxRequests is fine": {doc: `
host: web
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 100, connectTimeout: 10s}
    http: {http1MaxPendingRequests: 64, maxRequestsPerConnection: 10}`},
		"no trafficPolicy at all":      {doc: `host: web`, want: []string{"spec.trafficPolicy.connectionPool"}},
		"trafficPolicy without a pool": {doc: `{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`, want: []string{"spec.trafficPolicy.connectionPool"}},
		"empty pool reports every unbounded setting (connectTimeout defaults to 10s)": {doc: `{host: web, trafficPolicy: {connectionPool: {}}}`,
			want: []string{
				"spec.trafficPolicy.connectionPool.tcp.maxConnections",
				"spec.trafficPolicy.connectionPool.http.http2MaxRequests",
				"spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection",
			}},
		"unset connectTimeout is Istio's 10s default, within the maximum": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10}" + tcpHTTP},
		"unset connectTimeout is judged as 10s against a lower maximum": {params: paramsWith(func(p *IGR203Params) { p.MaxConnectTimeout = 5 * time.Second }),
			doc:  "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10}" + tcpHTTP,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		"Go-style durations as in Istio's docs (30ms, 1m)": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10, connectTimeout: 30ms, idleTimeout: 1h30m}" + tcpHTTP},
		"a minute written as 1m exceeds 10s": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10, connectTimeout: 1m}" + tcpHTTP,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		"zero maxConnections counts as unset": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 0, connectTimeout: 1s}" + tcpHTTP,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.maxConnections"}},
		"connectTimeout above the maximum is denied": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10, connectTimeout: 30s}" + tcpHTTP,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		"zero connectTimeout is denied": {doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10, connectTimeout: 0s}" + tcpHTTP,
			want: []string{"spec.trafficPolicy.connectionPool.tcp.connectTimeout"}},
		"maximum is a parameter": {params: paramsWith(func(p *IGR203Params) { p.MaxConnectTimeout = time.Minute }),
			doc: "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 10, connectTimeout: 30s}" + tcpHTTP},
		"incomplete port-level pool is denied": {doc: top +
			"  portLevelSettings: [{port: {number: 80}, connectionPool: {tcp: {maxConnections: 5}}}]",
			want: []string{
				"spec.trafficPolicy.portLevelSettings[0].connectionPool.http.http2MaxRequests",
				"spec.trafficPolicy.portLevelSettings[0].connectionPool.http.maxRequestsPerConnection",
			}},
		"port-level entry without a pool does not inherit the top-level one": {doc: top +
			"  portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].connectionPool"}},
		"port-level entry with its own complete pool is fine": {doc: top +
			"  portLevelSettings: [{port: {number: 80}, connectionPool: " + igr203GoodPool + "}]"},
		"port-level pool with a slow connectTimeout is denied": {doc: top +
			"  portLevelSettings:\n  - port: {number: 80}\n    connectionPool:\n" +
			"      tcp: {maxConnections: 5, connectTimeout: 11s}\n      http: {http2MaxRequests: 5, maxRequestsPerConnection: 5}",
			want: []string{"spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.connectTimeout"}},
		"incomplete subset pool is denied (a subset pool replaces the top-level one)": {doc: top +
			"subsets: [{name: v1, trafficPolicy: {connectionPool: {http: {http2MaxRequests: 10, maxRequestsPerConnection: 1}}}}]",
			want: []string{"spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnections"}},
		"subset port-level entry without a pool is denied": {doc: top +
			"subsets: [{name: v1, trafficPolicy: {portLevelSettings: [{port: {number: 81}, tls: {mode: ISTIO_MUTUAL}}]}}]",
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].connectionPool"}},
		"incomplete subset port-level pool is denied": {doc: top + `subsets:
- name: v1
  trafficPolicy:
    connectionPool: ` + igr203GoodPool + `
    portLevelSettings: [{port: {number: 81}, connectionPool: {tcp: {maxConnections: 1, connectTimeout: 1s}}}]`,
			want: []string{
				"spec.subsets[0].trafficPolicy.portLevelSettings[0].connectionPool.http.http2MaxRequests",
				"spec.subsets[0].trafficPolicy.portLevelSettings[0].connectionPool.http.maxRequestsPerConnection",
			}},
		"subset pool does not cover the other subsets": {doc: "host: web\nsubsets: [{name: v1, trafficPolicy: {connectionPool: " +
			igr203GoodPool + "}}]",
			want: []string{"spec.trafficPolicy.connectionPool"}},
		"subset without its own pool inherits the top level": {doc: top + "subsets: [{name: v1, labels: {v: '1'}}]"},
	})
}

func TestIGR203Action(t *testing.T) {
	obj := testObject(t, KindDestinationRule, `host: web`)
	got := engineActions(t, obj, "IGR203")
	if got["spec.trafficPolicy.connectionPool"] != ActionDeny {
		t.Errorf("IGR203 actions = %v, want deny on spec.trafficPolicy.connectionPool", got)
	}
}

func TestIGR203Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR203())
}
