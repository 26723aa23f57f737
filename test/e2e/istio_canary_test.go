package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// TestCanaryUpgradeBetweenRealRevisions is the seed's canary upgrade on two
// real istiod revisions: staging runs on revA; IGR904's mapping points it at
// revB; the namespace is relabelled and the Deployment restarted with
// `kubectl rollout restart`; the new Pod is injected by revB's injector (the
// old one, still there without a kubelet to make the new one ready, stays
// revA's), new namespaces matching the mapping are labelled for revB and
// injected by it, IGR904's preview agrees with what Istio did, and a
// revision tag injects with the revision it points at.
func TestCanaryUpgradeBetweenRealRevisions(t *testing.T) {
	requireIstio(t)
	staging := fmt.Sprintf("staging-%d", nsCounter.Add(1))
	if err := env.Cluster.CreateNamespace(t.Context(), staging, map[string]string{"istio.io/rev": revA}); err != nil {
		t.Fatal(err)
	}
	requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", staging, "-f", "-"))
	if got := injectedBy(onePod(t, staging, "web")); got != revA {
		t.Fatalf("before the upgrade the pod is injected by %q, want %q", got, revA)
	}

	// Step 2 of the README: point staging (and namespaces named like it) at revB.
	mapping := baseConfig + fmt.Sprintf("mutators:\n  IGR904:\n    enabled: true\n    params: {namespaceRevisions: [%q]}\n", staging+"*="+revB)
	writeConfig(t, mapping)
	t.Cleanup(func() {
		writeConfig(t, baseConfig)
		waitNamespaceLabel(context.Background(), t, staging+"-probe", "")
	})
	waitNamespaceLabel(t.Context(), t, staging+"-probe", revB)

	// The namespace still says revA: IGR904 notes the disagreement.
	if note := previewNote(t, staging, revA); !strings.Contains(note, "the mapping says "+revB) {
		t.Errorf("with the namespace on %s and the mapping on %s, the preview must note the disagreement; stderr:\n%s", revA, revB, note)
	}

	// Step 3: relabel and restart.
	requireAllowed(t, kubectl(t, "", "label", "namespace", staging, "istio.io/rev="+revB, "--overwrite"))
	requireAllowed(t, kubectl(t, "", "rollout", "restart", "deployment/web", "-n", staging))
	pods := waitPods(t, staging, "web", func(pods []corev1.Pod) error {
		if len(pods) != 2 {
			return fmt.Errorf("%d pods, want the old and the restarted one", len(pods))
		}
		return nil
	})
	byRevision := map[string]int{}
	for i := range pods {
		p := &pods[i]
		restarted := p.Annotations["kubectl.kubernetes.io/restartedAt"] != ""
		want := revA
		if restarted {
			want = revB
		}
		got := injectedBy(p)
		byRevision[got]++
		if got != want {
			t.Errorf("pod %s (restarted: %v) injected by %q, want %q", p.Name, restarted, got, want)
		}
		proxy, _ := istioProxy(t, p)
		if addr := "istiod-" + want + "." + framework.IstioNamespace + ".svc:15012"; !strings.Contains(proxyEnv(proxy, "PROXY_CONFIG"), addr) {
			t.Errorf("pod %s: the injected proxy does not connect to %s: %s", p.Name, addr, proxyEnv(proxy, "PROXY_CONFIG"))
		}
	}
	if byRevision[revA] != 1 || byRevision[revB] != 1 {
		t.Errorf("want one pod of each revision, got %v", byRevision)
	}
	// The mapping now agrees with the namespace and with what Istio did.
	if note := previewNote(t, staging, revB); strings.Contains(note, "the mapping says") {
		t.Errorf("namespace, mapping and injector all say %s, yet the preview notes a disagreement:\n%s", revB, note)
	}

	t.Run("a new namespace matching the mapping", func(t *testing.T) {
		ns := staging + "-new"
		requireAllowed(t, kubectl(t, "", "create", "namespace", ns))
		r := kubectl(t, "", "get", "namespace", ns, "-o", "jsonpath={.metadata.labels.istio\\.io/rev}")
		requireAllowed(t, r)
		if r.Stdout != revB {
			t.Fatalf("IGR904 labelled the new namespace istio.io/rev=%q, want %q", r.Stdout, revB)
		}
		requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", ns, "-f", "-"))
		if got := injectedBy(onePod(t, ns, "web")); got != revB {
			t.Errorf("pod injected by %q, want %q (the revision IGR904 chose)", got, revB)
		}
	})

	t.Run("a revision tag", func(t *testing.T) {
		ns := revNamespace(t, tagProd)
		requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", ns, "-f", "-"))
		p := onePod(t, ns, "web")
		if got := injectedBy(p); got != revA {
			t.Errorf("namespace on tag %s: pod injected by %q, want %q", tagProd, got, revA)
		}
	})
}

// waitNamespaceLabel polls a server-side dry run creating namespace name
// until IGR904 labels it istio.io/rev=rev ("": no label), i.e. until the
// config that maps it so is in force.
func waitNamespaceLabel(ctx context.Context, t *testing.T, name, rev string) {
	t.Helper()
	err := framework.Poll(ctx, reloadTimeout, 250*time.Millisecond, func(ctx context.Context) error {
		r := env.Cluster.Kubectl(ctx, "", "create", "namespace", name, "--dry-run=server", "-o", "jsonpath={.metadata.labels.istio\\.io/rev}")
		if r.Err != nil || r.Stdout != rev {
			return fmt.Errorf("namespace %s not labelled istio.io/rev=%q yet: %s", name, rev, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// previewNote runs `istio-guardrail mutate` on the Deployment as if its
// namespace ns were labelled istio.io/rev=rev and returns its stderr (one
// line per mutation, skip reason or note).
func previewNote(t *testing.T, ns, rev string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), env.Cluster.Binaries.Guardrail, "mutate", "--config", env.ConfigPath,
		"--namespace", ns, "--namespace-label", "istio.io/rev="+rev, "-f", "-")
	cmd.Stdin = strings.NewReader(deployment("web"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("istio-guardrail mutate: %v\n%s", err, stderr.String())
	}
	return stderr.String()
}
