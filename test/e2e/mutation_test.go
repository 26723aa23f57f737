package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// podManifest is a plain Pod; name is filled in.
const podManifest = `apiVersion: v1
kind: Pod
metadata:
  name: %s
  labels: {app: web}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1.0
`

func pod(name string) string { return strings.Replace(podManifest, "%s", name, 1) }

// getPod reads a Pod through kubectl.
func getPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	r := kubectl(t, "", "get", "pod", "-n", ns, name, "-o", "json")
	requireAllowed(t, r)
	var p corev1.Pod
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
		t.Fatalf("decode pod: %v", err)
	}
	return &p
}

func TestPodInInjectedNamespaceIsStoredMutated(t *testing.T) {
	ns := newNamespace(t, map[string]string{"istio-injection": "enabled"})
	requireAllowed(t, kubectl(t, pod("web"), "apply", "-n", ns, "-f", "-"))
	p := getPod(t, ns, "web")
	ann := p.Annotations
	for _, key := range []string{"sidecar.istio.io/proxyCPU", "sidecar.istio.io/proxyMemory",
		"sidecar.istio.io/proxyCPULimit", "sidecar.istio.io/proxyMemoryLimit"} {
		if ann[key] == "" {
			t.Errorf("annotation %s missing; annotations: %v", key, ann)
		}
	}
	if cfg := ann["proxy.istio.io/config"]; !strings.Contains(cfg, "holdApplicationUntilProxyStarts") {
		t.Errorf("proxy.istio.io/config = %q, want holdApplicationUntilProxyStarts merged in", cfg)
	}
	if lc := p.Spec.Containers[0].Lifecycle; lc == nil || lc.PreStop == nil {
		t.Errorf("container web has no preStop hook: %+v", lc)
	}
	mutated := ann["istio-guardrail.io/mutated"]
	for _, id := range []string{"IGR901", "IGR902", "IGR903"} {
		if !strings.Contains(mutated, id) {
			t.Errorf("istio-guardrail.io/mutated = %q, want it to list %s", mutated, id)
		}
	}
}

func TestPodApplyIsIdempotent(t *testing.T) {
	ns := newNamespace(t, map[string]string{"istio-injection": "enabled"})
	cases := map[string]struct {
		name          string
		args          []string
		wantUnchanged bool // kubectl reports "unchanged"
	}{
		"client-side apply": {"client-side", []string{"apply", "-n", ns, "-f", "-"}, true},
		"server-side apply": {"server-side", []string{"apply", "--server-side", "-n", ns, "-f", "-"}, false},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			name, args := tc.name, tc.args
			requireAllowed(t, kubectl(t, pod(name), args...))
			first := getPod(t, ns, name)
			second := kubectl(t, pod(name), args...)
			requireAllowed(t, second)
			if tc.wantUnchanged && !strings.Contains(second.Stdout, "unchanged") {
				t.Errorf("want the second apply to report unchanged:\n%s", second)
			}
			again := getPod(t, ns, name)
			if again.ResourceVersion != first.ResourceVersion {
				t.Errorf("resourceVersion changed from %s to %s: the second apply was not a no-op", first.ResourceVersion, again.ResourceVersion)
			}
			if again.Annotations["istio-guardrail.io/mutated"] == "" {
				t.Errorf("the mutation annotation was lost on re-apply: %v", again.Annotations)
			}
		})
	}
}

func TestPodOutsideTheMeshIsNotMutated(t *testing.T) {
	ns := newNamespace(t, nil)
	requireAllowed(t, kubectl(t, pod("plain"), "apply", "-n", ns, "-f", "-"))
	p := getPod(t, ns, "plain")
	for _, key := range []string{"istio-guardrail.io/mutated", "sidecar.istio.io/proxyCPU"} {
		if v, ok := p.Annotations[key]; ok {
			t.Errorf("a pod outside the mesh got %s=%q", key, v)
		}
	}
}
