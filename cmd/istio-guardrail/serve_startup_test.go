package main

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// TestServeNeverMutatesItsOwnNamespace: the engine the server puts in force
// skips the namespace of --namespace (the one place that decides it), and
// still mutates a pod elsewhere.
func TestServeNeverMutatesItsOwnNamespace(t *testing.T) {
	pol := webhooks.NewPolicy(nil, zap.NewNop())
	applyConfig(&serveFlags{namespace: "guardrail-ns"}, pol, config.Default())
	eng := pol.Current()
	if eng == nil {
		t.Fatal("no engine in force")
	}
	ctx := &policy.Context{Namespaces: policy.NamespaceLabels{
		"guardrail-ns": {"istio-injection": "enabled"}, "apps": {"istio-injection": "enabled"},
	}}
	for ns, wantSkip := range map[string]bool{"guardrail-ns": true, "apps": false} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
		obj := &policy.Object{GroupKind: schema.GroupKind{Kind: "Pod"}, Version: "v1", Meta: &pod.ObjectMeta, Body: pod}
		res, err := eng.Mutate(ctx, obj)
		if err != nil {
			t.Fatal(err)
		}
		if skipped := strings.Contains(res.Skipped, "own namespace"); skipped != wantSkip {
			t.Errorf("namespace %s: Skipped = %q, applied %v; want skipped as own namespace = %v", ns, res.Skipped, res.Applied, wantSkip)
		}
	}
}

// TestServeMissingCertificateIsAnInputError: a --cert-dir without a
// certificate fails at start-up, before serving, with exit 2 and the
// reason on stderr.
func TestServeMissingCertificateIsAnInputError(t *testing.T) {
	code, _, stderr := runCLI(t, "", "serve", "--cert-dir", t.TempDir()+"/missing", "--port", "0",
		"--health-addr", "127.0.0.1:0", "--metrics-addr", "0", "--kubeconfig", "/nonexistent/kubeconfig")
	if code != exitError || !strings.Contains(stderr, "load serving certificate") {
		t.Errorf("exit %d, stderr %q; want exit %d naming the certificate", code, stderr, exitError)
	}
}
