package manifest

import (
	"fmt"
	"strings"
	"testing"
)

// benchInput is a mix of the kinds check sees most, n objects.
func benchInput(n int) []byte {
	kinds := []string{
		peerAuth,
		"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: dr%d}\nspec:\n  host: svc\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    connectionPool:\n      tcp: {maxConnections: 100, connectTimeout: 1s}\n      http: {http2MaxRequests: 100, maxRequestsPerConnection: 10}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        resources: {requests: {cpu: 100m, memory: 128Mi}}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec:\n  ports: [{port: 80}]\n",
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		if strings.Contains(k, "%d") {
			k = fmt.Sprintf(k, i)
		}
		b.WriteString(k)
		b.WriteString("---\n")
	}
	return []byte(b.String())
}

// BenchmarkParse reports the decoding throughput in objects per second.
func BenchmarkParse(b *testing.B) {
	data := benchInput(1000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		docs, errs := Parse("bench.yaml", data, Options{})
		if len(errs) > 0 || len(docs) != 1000 {
			b.Fatalf("docs %d errs %v", len(docs), errs)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkFromJSON measures the webhook's decoding hot path.
func BenchmarkFromJSON(b *testing.B) {
	docs, _ := Parse("bench.yaml", benchInput(4), Options{})
	for b.Loop() {
		for _, d := range docs {
			if _, err := FromJSON(d.Raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
