package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// BenchmarkAuditCluster measures `istio-guardrail audit -A` against a real
// API server seeded through the API, at half and at full size of 10,000
// Istio objects and 20,000 pods (in 100 mesh namespaces): objects per second
// and the audit process's peak RSS. Run it alone (it seeds its own control
// plane; about 3 minutes on 2 cores):
//
//	go test ./test/e2e/ -run '^$' -bench BenchmarkAuditCluster -benchtime 1x -timeout 30m
func BenchmarkAuditCluster(b *testing.B) {
	ctx := context.Background()
	dir := filepath.Join(filepath.Dir(env.ConfigPath), "..", "bench")
	c, err := framework.StartCluster(ctx, framework.ClusterOptions{Dir: dir, Binaries: env.Cluster.Binaries})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	if err := c.InstallCRDs(ctx); err != nil {
		b.Fatal(err)
	}
	const namespaces = 100
	seeded := 0
	for _, size := range []struct {
		name        string
		istio, pods int
	}{{"half", 5000, 10000}, {"full", 10000, 20000}} {
		start := time.Now()
		n, err := seedBench(ctx, c, namespaces, seeded, size.istio, size.pods)
		if err != nil {
			b.Fatal(err)
		}
		seeded = size.istio
		b.Logf("%s: seeded up to %d objects in %s", size.name, n, time.Since(start).Round(time.Second))
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				objects, elapsed, rss := timedAudit(b, c)
				b.ReportMetric(float64(objects)/elapsed.Seconds(), "objects/s")
				b.ReportMetric(float64(rss)/1024, "peak-RSS-MiB")
				b.ReportMetric(float64(objects), "objects")
			}
		})
	}
}

// timedAudit runs audit -A -o json and returns the objects it judged, its
// wall time and its peak RSS in KiB.
func timedAudit(b *testing.B, c *framework.Cluster) (int, time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(c.Binaries.Guardrail, "audit", "--kubeconfig", c.Kubeconfig, "-A", "-o", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		b.Fatalf("audit: %v\n%s", err, stderr.String())
	}
	var out struct {
		Summary struct {
			Objects int `json:"objects"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		b.Fatal(err)
	}
	return out.Summary.Objects, elapsed, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

// seedBench creates, through the API, the namespaces and the Istio objects
// from index from up to istio (a mix of PeerAuthentications,
// AuthorizationPolicies, DestinationRules, VirtualServices and Sidecars),
// and pods up to pods, and returns how many objects it created in all.
func seedBench(ctx context.Context, c *framework.Cluster, namespaces, from, istio, pods int) (int, error) {
	cfg := rest.CopyConfig(c.Config)
	cfg.QPS, cfg.Burst = 2000, 2000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	ns := func(i int) string { return fmt.Sprintf("bench-%03d", i%namespaces) }
	if from == 0 {
		for i := range namespaces {
			n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns(i), Labels: map[string]string{"istio-injection": "enabled"}}}
			if _, err := cs.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil {
				return 0, err
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := from; i < istio; i++ {
		g.Go(func() error {
			gvr, obj := benchIstioObject(i, ns(i))
			_, err := dyn.Resource(gvr).Namespace(ns(i)).Create(gctx, obj, metav1.CreateOptions{})
			return err
		})
	}
	for i := from * 2; i < pods; i++ {
		g.Go(func() error {
			_, err := cs.CoreV1().Pods(ns(i)).Create(gctx, benchPod(i, ns(i)), metav1.CreateOptions{})
			return err
		})
	}
	return istio + pods + namespaces, g.Wait()
}

func benchIstioObject(i int, ns string) (schema.GroupVersionResource, *unstructured.Unstructured) {
	name := fmt.Sprintf("obj-%05d", i)
	app := fmt.Sprintf("app-%d", i%50)
	meta := map[string]any{"name": name, "namespace": ns}
	sel := map[string]any{"matchLabels": map[string]any{"app": app}}
	var gvr schema.GroupVersionResource
	var spec map[string]any
	kind := ""
	switch i % 5 {
	case 0:
		gvr, kind = schema.GroupVersionResource{Group: "security.istio.io", Version: "v1", Resource: "peerauthentications"}, "PeerAuthentication"
		spec = map[string]any{"selector": sel, "mtls": map[string]any{"mode": "STRICT"}}
	case 1:
		gvr, kind = schema.GroupVersionResource{Group: "security.istio.io", Version: "v1", Resource: "authorizationpolicies"}, "AuthorizationPolicy"
		spec = map[string]any{"selector": sel, "rules": []any{map[string]any{"from": []any{map[string]any{"source": map[string]any{"namespaces": []any{ns}}}}}}}
	case 2:
		gvr, kind = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}, "DestinationRule"
		spec = map[string]any{"host": app + "." + ns + ".svc.cluster.local", "trafficPolicy": map[string]any{"tls": map[string]any{"mode": "ISTIO_MUTUAL"}}}
	case 3:
		gvr, kind = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}, "VirtualService"
		spec = map[string]any{"hosts": []any{app}, "http": []any{map[string]any{"timeout": "5s",
			"route": []any{map[string]any{"destination": map[string]any{"host": app}}}}}}
	default:
		gvr, kind = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "sidecars"}, "Sidecar"
		spec = map[string]any{"workloadSelector": map[string]any{"labels": map[string]any{"app": app}},
			"egress": []any{map[string]any{"hosts": []any{"./*", "istio-system/*"}}}}
	}
	return gvr, &unstructured.Unstructured{Object: map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": kind, "metadata": meta, "spec": spec}}
}

func benchPod(i int, ns string) *corev1.Pod {
	app := fmt.Sprintf("app-%d", i%50)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%05d", i), Namespace: ns, Labels: map[string]string{"app": app},
			Annotations: map[string]string{"sidecar.istio.io/status": `{"containers":["istio-proxy"],"revision":"default"}`}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "registry.example/" + app + ":1.0", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}},
			{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.31.0"},
		}},
	}
}
