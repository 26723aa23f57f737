package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// benchTemplates are the documents of the generated corpus; %[1]d is the
// object number, so names are unique. They mix hardened and unhardened
// objects of the kinds CI sees most.
var benchTemplates = []string{
	"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pa-%[1]d, namespace: ns-%[1]d}\nspec:\n  mtls: {mode: PERMISSIVE}\n  portLevelMtls:\n    8080: {mode: STRICT}\n",
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: dr-%[1]d, namespace: shop}\nspec:\n  host: svc-%[1]d.shop.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    connectionPool:\n      tcp: {maxConnections: 100, connectTimeout: 2s}\n      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 100}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}\n  subsets:\n  - name: v1\n    labels: {version: v1}\n",
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs-%[1]d, namespace: shop}\nspec:\n  hosts: [svc-%[1]d]\n  http:\n  - route:\n    - destination: {host: svc-%[1]d, subset: v1}\n    retries: {attempts: 2}\n",
	"apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw-%[1]d, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [\"app-%[1]d.example.com\"]\n    tls: {mode: SIMPLE, credentialName: app-%[1]d, minProtocolVersion: TLSV1_2}\n",
	"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap-%[1]d, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/shop/sa/frontend]}\n    to:\n    - operation: {methods: [GET]}\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-%[1]d, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: app-%[1]d}}\n  template:\n    metadata:\n      labels: {app: app-%[1]d}\n      annotations: {sidecar.istio.io/proxyCPU: 100m}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:1.0.%[1]d\n        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}\n",
	"apiVersion: v1\nkind: Service\nmetadata: {name: svc-%[1]d, namespace: shop}\nspec:\n  selector: {app: app-%[1]d}\n  ports: [{name: http, port: 8080}]\n",
	"apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: sc-%[1]d, namespace: ns-%[1]d}\nspec:\n  egress:\n  - hosts: [\"./*\", \"istio-system/*\"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
}

// writeCorpus writes n generated objects into one multi-document file.
func writeCorpus(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, benchTemplates[i%len(benchTemplates)], i)
		b.WriteString("---\n")
	}
	path := filepath.Join(tb.TempDir(), "corpus.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkCheck10k runs check in process over a generated 10,000-object
// file on one core (GOMAXPROCS=1) and reports objects per second.
func BenchmarkCheck10k(b *testing.B) {
	const objects = 10000
	path := writeCorpus(b, objects)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for b.Loop() {
		if code := run([]string{"check", "-o", "json", "-f", path}, nil, io.Discard, io.Discard); code != exitFindings {
			b.Fatalf("exit %d, want %d", code, exitFindings)
		}
	}
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// cliBinary returns the built CLI: $IGR_BINARY, else a fresh build.
func cliBinary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("IGR_BINARY"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "igr-bench-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "istio-guardrail")
		out, err := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return builtPath
}

// BenchmarkStartup measures the start-up time of the process: exec of
// `istio-guardrail version` (init of every package, then exit).
func BenchmarkStartup(b *testing.B) {
	bin := cliBinary(b)
	b.ResetTimer()
	for b.Loop() {
		if out, err := exec.Command(bin, "version").Output(); err != nil || !strings.HasPrefix(string(out), "istio-guardrail ") {
			b.Fatalf("version: %v %q", err, out)
		}
	}
}

// BenchmarkCheckProcess10k measures the whole process over the 10,000-object
// file: start-up, reading, decoding, validation and JSON rendering.
func BenchmarkCheckProcess10k(b *testing.B) {
	bin := cliBinary(b)
	path := writeCorpus(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, "check", "-o", "json", "-f", path)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		if err := cmd.Run(); err == nil {
			b.Fatal("want exit 1 (the corpus has findings)")
		}
	}
	b.ReportMetric(10000*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
