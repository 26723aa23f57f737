package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// maxObjectBytes is the largest object a cluster can store: etcd's default
// request limit is 1.5 MiB (a dry run never reaches etcd, so the API server
// alone would judge up to its 3 MiB body limit).
const maxObjectBytes = 1_500_000

// plainTimeout bounds a request of the size search: an object the API
// server cannot validate within it without any policy is halved (the API
// server's own CRD validation of huge Istio objects takes seconds on this
// shared machine). policyTimeout bounds the requests the policies judge: a
// policy over the CEL cost limit fails at once with a cost error, which the
// test would report, so the long bound only absorbs the machine's load.
const (
	plainTimeout  = 10 * time.Second
	policyTimeout = 60 * time.Second
)

// costCase builds the object of a rule with n elements in the list or map
// its policy walks, hardened or with the violation in the last element.
type costCase struct {
	rule  string
	what  string
	max   int // the schema's or the request size's bound
	build func(n int, bad bool) map[string]any
}

func jsonSize(v any) int { return len(mustJSON(v)) }

func obj(apiVersion, kind, ns, name string, spec map[string]any) map[string]any {
	return map[string]any{"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}
}

// fitting returns how many elements of size each fit beside a fixed part.
func fitting(fixed, each int) int { return (maxObjectBytes - fixed) / each }

func costCases(ns string) []costCase {
	pick := func(bad bool, good, worse string) string {
		if bad {
			return worse
		}
		return good
	}
	port := func(i int, mode string) any {
		return map[string]any{"port": map[string]any{"number": i%65535 + 1}, "tls": map[string]any{"mode": mode}}
	}
	ports := func(n int, lastMode string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = port(i, "SIMPLE")
		}
		out[n-1] = port(n-1, lastMode)
		return out
	}
	server := func(i int, min string) any {
		return map[string]any{"port": map[string]any{"number": 443, "name": "h" + strconv.Itoa(i), "protocol": "HTTPS"},
			"hosts": []any{"a.example.com"}, "tls": map[string]any{"mode": "SIMPLE", "credentialName": "c", "minProtocolVersion": min}}
	}
	allowRule := map[string]any{"from": []any{map[string]any{"source": map[string]any{"namespaces": []any{"a"}}}}}
	return []costCase{
		{rule: "IGR102", what: "portLevelMtls ports", max: 65535, build: func(n int, bad bool) map[string]any {
			pl := map[string]any{}
			for p := 1; p <= n; p++ {
				pl[strconv.Itoa(p)] = map[string]any{"mode": "STRICT"}
			}
			pl[strconv.Itoa(n)] = map[string]any{"mode": pick(bad, "STRICT", "PERMISSIVE")}
			return obj("security.istio.io/v1", "PeerAuthentication", ns, "cost", map[string]any{
				"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
				"mtls":     map[string]any{"mode": "STRICT"}, "portLevelMtls": pl})
		}},
		// 4096 top-level port entries (the schema's bound), then n subsets of
		// 64 port entries each.
		{rule: "IGR201", what: "subsets of 64 port-level settings (after 4096 top-level ones)",
			max: fitting(4096*jsonSize(port(0, "SIMPLE")), jsonSize(map[string]any{"name": "s00000",
				"trafficPolicy": map[string]any{"tls": map[string]any{"mode": "SIMPLE"}, "portLevelSettings": ports(64, "SIMPLE")}})+1),
			build: func(n int, bad bool) map[string]any {
				subsets := make([]any, n)
				for i := range subsets {
					last := "SIMPLE"
					if i == n-1 {
						last = pick(bad, "SIMPLE", "DISABLE")
					}
					subsets[i] = map[string]any{"name": fmt.Sprintf("s%05d", i),
						"trafficPolicy": map[string]any{"tls": map[string]any{"mode": "SIMPLE"}, "portLevelSettings": ports(64, last)}}
				}
				return obj("networking.istio.io/v1", "DestinationRule", ns, "cost", map[string]any{
					"host":          "web.shop.svc.cluster.local",
					"trafficPolicy": map[string]any{"tls": map[string]any{"mode": "SIMPLE"}, "portLevelSettings": ports(4096, "SIMPLE")},
					"subsets":       subsets})
			}},
		{rule: "IGR301", what: "terminating HTTPS servers", max: fitting(200, jsonSize(server(99999, "TLSV1_2"))+1),
			build: func(n int, bad bool) map[string]any {
				servers := make([]any, n)
				for i := range servers {
					servers[i] = server(i, "TLSV1_2")
				}
				servers[n-1] = server(n-1, pick(bad, "TLSV1_2", "TLSV1_0"))
				return obj("networking.istio.io/v1", "Gateway", ns, "cost", map[string]any{
					"selector": map[string]any{"istio": "ingressgateway"}, "servers": servers})
			}},
		{rule: "IGR401", what: "ALLOW rules (the schema's bound)", max: 512, build: func(n int, bad bool) map[string]any {
			rules := make([]any, n)
			for i := range rules {
				rules[i] = allowRule
			}
			if bad {
				rules[n-1] = map[string]any{}
			}
			return obj("security.istio.io/v1", "AuthorizationPolicy", ns, "cost", map[string]any{"rules": rules})
		}},
		{rule: "IGR501", what: "egress hosts of one listener", max: fitting(200, len(`"a",`)), build: func(n int, bad bool) map[string]any {
			hosts := make([]any, n)
			for i := range hosts {
				hosts[i] = "a"
			}
			hosts[n-1] = pick(bad, "istio-system/*", "*/*")
			return obj("networking.istio.io/v1", "Sidecar", ns, "cost", map[string]any{"egress": []any{map[string]any{"hosts": hosts}}})
		}},
	}
}

// dryRunWithin is dryRunCreate bounded by timeout.
func (v *vapCluster) dryRunWithin(t *testing.T, o map[string]any, timeout time.Duration) (error, time.Duration) {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	start := time.Now()
	err, _ := v.dryRunCreate(ctx, &unstructured.Unstructured{Object: o})
	return err, time.Since(start)
}

// testVAPCost finds, per rule, the largest object the API server accepts
// without policies (in namespace base, which no binding matches: the size
// bound, halved until the API server answers within plainTimeout), then
// sends it where the policies judge: hardened it must be allowed, every
// element walked within the API server's per-expression and per-binding CEL
// cost limits; with the violation in its last element it must be denied by
// the rule, not by a cost error.
func testVAPCost(t *testing.T, v *vapCluster, base string) {
	ns := "vap-cost"
	requireNoErr(t, v.c.CreateNamespace(t.Context(), ns, nil))
	for _, c := range costCases(ns) {
		t.Run(c.rule, func(t *testing.T) {
			n := c.max
			var plain time.Duration
			for ; ; n /= 2 {
				o := c.build(n, false)
				o["metadata"].(map[string]any)["namespace"] = base
				err, d := v.dryRunWithin(t, o, plainTimeout)
				if err == nil {
					plain = d
					break
				}
				if n < 64 {
					t.Fatalf("the API server refuses even %d %s without policies: %v", n, c.what, truncateErr(err))
				}
				t.Logf("%s: %d %s refused without policies (%v), halving: %s", c.rule, n, c.what, d.Round(time.Millisecond), truncateErr(err))
			}
			good := c.build(n, false)
			err, with := v.dryRunWithin(t, good, policyTimeout)
			if err != nil {
				t.Fatalf("hardened %s with %d %s (%d bytes) refused: %v", c.rule, n, c.what, jsonSize(good), truncateErr(err))
			}
			err, _ = v.dryRunWithin(t, c.build(n, true), policyTimeout)
			requireVAPDenied(t, err, c.rule)
			t.Logf("%s: %d %s (%d bytes): hardened allowed in %v (%v without policies), the last element's violation denied by the rule",
				c.rule, n, c.what, jsonSize(good), with.Round(time.Millisecond), plain.Round(time.Millisecond))
		})
	}
}

func truncateErr(err error) string {
	s := err.Error()
	if len(s) > 400 {
		s = s[:400] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}
