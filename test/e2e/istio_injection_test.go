package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// wantProxyResources are what the pod template's proxyCPU annotation and
// IGR901's defaults for the three missing ones ask for.
var wantProxyResources = map[string]map[corev1.ResourceName]string{
	"requests": {corev1.ResourceCPU: "250m", corev1.ResourceMemory: "128Mi"},
	"limits":   {corev1.ResourceCPU: "2000m", corev1.ResourceMemory: "1Gi"},
}

// TestDeploymentPodsInjectedByIstioAndMutatedByGuardrail: a Deployment in a
// namespace of a revision; the Pod its ReplicaSet creates (through the real
// kube-controller-manager) passes both Istio's real injector and the
// guardrail's mutating webhook, with the guardrail's configuration ordered
// before Istio's and after it (the guardrail with reinvocationPolicy
// IfNeeded, as its chart ships), for native sidecars with Istio's injector at
// its chart's reinvocationPolicy Never (revA) and classic ones with Istio's
// injector reinvoked too (revB, IfNeeded).
func TestDeploymentPodsInjectedByIstioAndMutatedByGuardrail(t *testing.T) {
	requireIstio(t)
	for _, rev := range []string{revA, revB} {
		for order, guardrailAfter := range map[string]bool{"guardrail before Istio's injector": false, "guardrail after Istio's injector": true} {
			mode := map[bool]string{true: "native sidecar", false: "classic sidecar"}[nativeSidecars[rev]]
			t.Run(mode+", "+order, func(t *testing.T) {
				if guardrailAfter {
					guardrailMutatingWebhookAfterIstio(t)
				}
				requireInjectedAndMutated(t, rev, guardrailAfter)
			})
		}
	}
}

func requireInjectedAndMutated(t *testing.T, rev string, guardrailAfter bool) {
	ns := revNamespace(t, rev)
	requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", ns, "-f", "-"))
	p := onePod(t, ns, "web")
	if got := injectedBy(p); got != rev {
		t.Fatalf("pod injected by revision %q, want %q:\n%s", got, rev, podJSON(p))
	}
	proxy, native := istioProxy(t, p)
	if native != nativeSidecars[rev] {
		t.Fatalf("revision %s injected a native sidecar: %v, want %v", rev, native, nativeSidecars[rev])
	}
	proxyConfig := proxyEnv(proxy, "PROXY_CONFIG")

	// Proxy resources exactly as the four annotations ask, whichever webhook
	// set them (Istio from the annotations, or IGR901 on the injected
	// container).
	requireResources(t, proxy.Resources)
	if !guardrailAfter {
		for key, want := range map[string]string{"sidecar.istio.io/proxyCPU": "250m", "sidecar.istio.io/proxyMemory": "128Mi",
			"sidecar.istio.io/proxyCPULimit": "2000m", "sidecar.istio.io/proxyMemoryLimit": "1Gi"} {
			if got := p.Annotations[key]; got != want {
				t.Errorf("annotation %s = %q, want %q", key, got, want)
			}
		}
	}

	// Hold until the proxy starts: merged before injection, Istio's injector
	// honours it (classic: istio-proxy first with a postStart `pilot-agent
	// wait`; a native sidecar starts before the application by
	// construction). After injection it can no longer take effect and IGR903
	// does not add it.
	pc := proxyConfigAnnotation(t, p)
	switch {
	case guardrailAfter:
		if _, ok := pc["holdApplicationUntilProxyStarts"]; ok {
			t.Errorf("after injection IGR903 must not add holdApplicationUntilProxyStarts: %v", pc)
		}
		if !native && p.Spec.Containers[0].Name != "web" {
			t.Errorf("without the hold, Istio appends istio-proxy after the application; containers: %v", containerNames(p.Spec.Containers))
		}
	case native:
		if pc["holdApplicationUntilProxyStarts"] != true {
			t.Errorf("proxy.istio.io/config lacks holdApplicationUntilProxyStarts: true: %v", pc)
		}
		if i := slices.IndexFunc(p.Spec.InitContainers, func(c corev1.Container) bool { return c.Name == "istio-proxy" }); i < 0 {
			t.Errorf("the native sidecar is not an init container: %v", p.Spec.InitContainers)
		}
	default:
		if pc["holdApplicationUntilProxyStarts"] != true {
			t.Errorf("proxy.istio.io/config lacks holdApplicationUntilProxyStarts: true: %v", pc)
		}
		if p.Spec.Containers[0].Name != "istio-proxy" {
			t.Errorf("the hold honoured puts istio-proxy first; containers: %v", containerNames(p.Spec.Containers))
		}
		if lc := proxy.Lifecycle; lc == nil || lc.PostStart == nil || lc.PostStart.Exec == nil ||
			!slices.Equal(lc.PostStart.Exec.Command, []string{"pilot-agent", "wait"}) {
			t.Errorf("istio-proxy lacks Istio's postStart pilot-agent wait: %+v", proxy.Lifecycle)
		}
		if !strings.Contains(proxyConfig, `"holdApplicationUntilProxyStarts":true`) {
			t.Errorf("Istio's injected PROXY_CONFIG lacks the hold: %s", proxyConfig)
		}
	}

	// Drain: one preStop on the application container; on istio-proxy none
	// from the guardrail (classic: none at all; native: Istio's own drain);
	// terminationDrainDuration in the annotation (pilot-agent reads the
	// pod's annotations) and in Istio's PROXY_CONFIG; a grace period
	// covering both.
	web := container(t, p, "web")
	if web.Lifecycle == nil || web.Lifecycle.PreStop == nil {
		t.Errorf("container web has no preStop: %+v", web.Lifecycle)
	}
	var proxyPreStop *corev1.LifecycleHandler
	if proxy.Lifecycle != nil {
		proxyPreStop = proxy.Lifecycle.PreStop
	}
	if native {
		if proxyPreStop == nil || proxyPreStop.Exec == nil || !slices.Contains(proxyPreStop.Exec.Command, "drain") {
			t.Errorf("the native istio-proxy's preStop is not Istio's drain: %+v", proxyPreStop)
		}
	} else if proxyPreStop != nil {
		t.Errorf("a preStop was added to the classic istio-proxy: %+v", proxyPreStop)
	}
	if pc["terminationDrainDuration"] != "20s" {
		t.Errorf("proxy.istio.io/config terminationDrainDuration = %v, want 20s", pc["terminationDrainDuration"])
	}
	// Istio renders the annotation into PROXY_CONFIG when it runs after the
	// guardrail: always when the guardrail is first, and on its reinvocation.
	if inConfig := strings.Contains(proxyConfig, `"terminationDrainDuration":"20s"`); inConfig != (!guardrailAfter || istioReinvoked[rev]) {
		t.Errorf("Istio's injected PROXY_CONFIG has the drain duration: %v, want %v: %s", inConfig, !guardrailAfter || istioReinvoked[rev], proxyConfig)
	}
	if g := p.Spec.TerminationGracePeriodSeconds; g == nil || *g < 35 {
		t.Errorf("terminationGracePeriodSeconds = %v, want >= 35 (preStop 15s + drain 20s)", g)
	}

	// Nothing applied twice.
	ids := strings.Split(p.Annotations["istio-guardrail.io/mutated"], ",")
	sorted := slices.Clone(ids)
	sort.Strings(sorted)
	if len(slices.Compact(sorted)) != len(ids) {
		t.Errorf("istio-guardrail.io/mutated lists a mutator twice: %v", ids)
	}
	for _, id := range []string{"IGR901", "IGR902"} {
		if !slices.Contains(ids, id) {
			t.Errorf("istio-guardrail.io/mutated = %v, want %s", ids, id)
		}
	}
	if slices.Contains(ids, "IGR903") == guardrailAfter {
		t.Errorf("istio-guardrail.io/mutated = %v: IGR903 applies before injection only", ids)
	}
	if n := len(p.Spec.Containers) + len(p.Spec.InitContainers); n != 3 {
		t.Errorf("want web, istio-proxy and istio-init (3 containers in all), got %d:\n%s", n, podJSON(p))
	}
}

// requireResources compares the proxy's resources with wantProxyResources.
func requireResources(t *testing.T, r corev1.ResourceRequirements) {
	t.Helper()
	for kind, list := range map[string]corev1.ResourceList{"requests": r.Requests, "limits": r.Limits} {
		for name, want := range wantProxyResources[kind] {
			got, ok := list[name]
			if !ok || got.Cmp(resource.MustParse(want)) != 0 {
				t.Errorf("istio-proxy %s.%s = %v, want %s", kind, name, list[name], want)
			}
		}
	}
}

// proxyConfigAnnotation decodes proxy.istio.io/config (YAML or JSON).
func proxyConfigAnnotation(t *testing.T, p *corev1.Pod) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(p.Annotations["proxy.istio.io/config"]), &m); err != nil {
		t.Fatalf("proxy.istio.io/config: %v", err)
	}
	return m
}

func container(t *testing.T, p *corev1.Pod, name string) *corev1.Container {
	t.Helper()
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	t.Fatalf("pod %s has no container %s", p.Name, name)
	return nil
}

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// TestGuardrailVerdictOnInjectedPodEqualsCheck: the guardrail's validating
// webhook judges the final object, the Pod Istio injected; `check` on that
// stored Pod must report exactly the rules the webhook logged for it. With
// IGR901 off, the proxy Istio injects has no limits (the template's one
// resource annotation drops Istio's defaults): IGR711, a finding that exists
// only on the injected Pod, must be in both.
func TestGuardrailVerdictOnInjectedPodEqualsCheck(t *testing.T) {
	requireIstio(t)
	for desc, tc := range map[string]struct {
		config string
		want   []string // RULE:ACTION found on the injected pod
	}{
		"default mutators":            {baseConfig, nil},
		"IGR901 off: unbounded proxy": {baseConfig + "mutators:\n  IGR901: {enabled: false}\n", []string{"IGR711:audit"}},
	} {
		t.Run(desc, func(t *testing.T) {
			ns := revNamespace(t, revA)
			if tc.config != baseConfig {
				probe := meshNamespace(t) // mutated, not injected
				writeConfig(t, tc.config)
				t.Cleanup(func() {
					writeConfig(t, baseConfig)
					waitPodMutators(context.Background(), t, probe, true)
				})
				waitPodMutators(t.Context(), t, probe, false)
			}
			requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", ns, "-f", "-"))
			p := onePod(t, ns, "web")
			if injectedBy(p) != revA {
				t.Fatalf("pod not injected by %s:\n%s", revA, podJSON(p))
			}
			decisions := guardrailDecisions(t, "validate", "Pod", ns)
			if len(decisions) != 1 {
				t.Fatalf("want one validating decision for the pod in %s, got %+v", ns, decisions)
			}
			// The log names each finding RULE:ACTION.
			var found []string
			for action, ids := range checkFindingsOf(t, storedManifest(t, p), ns) {
				for _, id := range ids {
					found = append(found, id+":"+action)
				}
			}
			sort.Strings(found)
			found = slices.Compact(found)
			judged := slices.Clone(decisions[0].Rules)
			sort.Strings(judged)
			if !slices.Equal(found, judged) {
				t.Errorf("check on the stored pod reports %v, the webhook judged %v (decision %s)", found, judged, decisions[0].Decision)
			}
			if !slices.Equal(judged, tc.want) {
				t.Errorf("the webhook judged %v on the injected pod, want %v", judged, tc.want)
			}
		})
	}
}

// waitPodMutators polls a server-side dry run of a pod in ns until IGR901
// applies (want) or not: the config in force.
func waitPodMutators(ctx context.Context, t *testing.T, ns string, want bool) {
	t.Helper()
	err := framework.Poll(ctx, reloadTimeout, 250*time.Millisecond, func(ctx context.Context) error {
		r := env.Cluster.Kubectl(ctx, pod("probe"), "create", "--dry-run=server", "-n", ns, "-o", "jsonpath={.metadata.annotations.istio-guardrail\\.io/mutated}", "-f", "-")
		if r.Err != nil || strings.Contains(r.Stdout, "IGR901") != want {
			return fmt.Errorf("IGR901 applied = %v wanted, not yet: %s", want, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storedManifest is p as a manifest file: the stored object without status
// and server bookkeeping.
func storedManifest(t *testing.T, p *corev1.Pod) []byte {
	t.Helper()
	c := p.DeepCopy()
	c.Status = corev1.PodStatus{}
	c.ManagedFields = nil
	c.APIVersion, c.Kind = "v1", "Pod"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
