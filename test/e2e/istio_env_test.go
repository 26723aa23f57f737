package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// The two istiod revisions of the Istio tests (the seed's canary upgrade:
// from revA to revB) and a revision tag of revA.
const (
	revA    = "1-20-0"
	revB    = "1-21-0"
	tagProd = "prod"
)

// nativeSidecars says how each revision injects: revA with the chart's
// defaults (ENABLE_NATIVE_SIDECARS=auto, which with no node older than 1.33
// means native sidecars, as on any current cluster; reinvocationPolicy
// Never), revB with ENABLE_NATIVE_SIDECARS=false (classic sidecars, where
// holdApplicationUntilProxyStarts reorders the containers) and the chart's
// sidecarInjectorWebhook.reinvocationPolicy=IfNeeded (Istio's injector is
// called again after the guardrail's mutation).
var nativeSidecars = map[string]bool{revA: true, revB: false}

// istioReinvoked says which revision's injector has reinvocationPolicy IfNeeded.
var istioReinvoked = map[string]bool{revA: false, revB: true}

// istio is the real Istio control plane of the suite's cluster: the real
// kube-controller-manager and istiod (pilot-discovery, built from the pinned
// istio.io/istio module) for revA (with tag prod) and revB, started on the
// first test that needs them. A missing binary fails those tests.
var istio struct {
	once sync.Once
	err  error
	revs map[string]*framework.Istiod
}

// requireIstio starts (once) and returns the Istio control plane.
func requireIstio(t *testing.T) map[string]*framework.Istiod {
	t.Helper()
	istio.once.Do(func() { istio.revs, istio.err = startIstio() })
	if istio.err != nil {
		t.Fatalf("the Istio control plane: %v", istio.err)
	}
	return istio.revs
}

func startIstio() (map[string]*framework.Istiod, error) {
	if err := env.Cluster.Binaries.RequireIstiod(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	chart, err := framework.IstiodChart(ctx)
	if err != nil {
		return nil, err
	}
	revs := map[string]*framework.Istiod{}
	for _, o := range []framework.IstiodOptions{
		{Revision: revA, RevisionTags: []string{tagProd}, Chart: chart},
		{Revision: revB, Chart: chart, Values: []string{"env.ENABLE_NATIVE_SIDECARS=false",
			"sidecarInjectorWebhook.reinvocationPolicy=IfNeeded"}},
	} {
		start := time.Now()
		d, err := env.StartIstiod(ctx, o)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "e2e: istiod %s ready in %s\n", o.Revision, time.Since(start).Round(time.Second))
		revs[o.Revision] = d
	}
	return revs, nil
}

// revNamespace creates a fresh namespace labelled istio.io/rev=rev.
func revNamespace(t *testing.T, rev string) string {
	t.Helper()
	return newNamespace(t, map[string]string{"istio.io/rev": rev})
}

// deployment is a Deployment named name whose pod template asks for 250m of
// proxy CPU (one of the four annotations: Istio then drops all its default
// proxy resources, and IGR901 must fill in the other three). It names its
// ServiceAccount: the suite's API server runs without the ServiceAccount
// admission plugin, which in a real cluster sets it before any webhook, and
// the istio-token volume Istio injects is only valid with one.
func deployment(name string) string {
	return strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: 1
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
      annotations:
        sidecar.istio.io/proxyCPU: 250m
    spec:
      serviceAccountName: default
      containers:
      - name: web
        image: registry.example.com/web:1.0
`, "NAME", name)
}

// waitPods waits until the Pods selected by app=<app> in ns satisfy ok, and
// returns them.
func waitPods(t *testing.T, ns, app string, ok func([]corev1.Pod) error) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := framework.Poll(t.Context(), 90*time.Second, 250*time.Millisecond, func(ctx context.Context) error {
		l, err := env.Cluster.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return err
		}
		pods = l.Items
		return ok(pods)
	})
	if err != nil {
		t.Fatalf("pods of %s/%s: %v\nkube-controller-manager log:\n%s", ns, app, err, env.Cluster.ControllerManagerLogs())
	}
	return pods
}

// count wants exactly n Pods.
func count(n int) func([]corev1.Pod) error {
	return func(pods []corev1.Pod) error {
		if len(pods) != n {
			return fmt.Errorf("%d pods, want %d", len(pods), n)
		}
		return nil
	}
}

// onePod waits for the single Pod the Deployment app's ReplicaSet creates.
func onePod(t *testing.T, ns, app string) *corev1.Pod {
	t.Helper()
	return &waitPods(t, ns, app, count(1))[0]
}

// istioProxy returns the injected istio-proxy container and whether it is a
// native sidecar (in initContainers with restartPolicy Always).
func istioProxy(t *testing.T, p *corev1.Pod) (*corev1.Container, bool) {
	t.Helper()
	var found []*corev1.Container
	native := false
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == "istio-proxy" {
			found = append(found, &p.Spec.Containers[i])
		}
	}
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		if c.Name == "istio-proxy" {
			found = append(found, c)
			native = c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		}
	}
	if len(found) != 1 {
		t.Fatalf("pod %s/%s has %d istio-proxy containers, want 1 (injected once):\n%s", p.Namespace, p.Name, len(found), podJSON(p))
	}
	return found[0], native
}

// injectedBy returns the revision of the injector that injected p (Istio's
// template stamps it as the istio.io/rev annotation, next to
// sidecar.istio.io/status); "" when p was not injected.
func injectedBy(p *corev1.Pod) string {
	if p.Annotations["sidecar.istio.io/status"] == "" {
		return ""
	}
	return p.Annotations["istio.io/rev"]
}

// proxyEnv returns the value of an environment variable of istio-proxy.
func proxyEnv(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func podJSON(p *corev1.Pod) string {
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}

// guardrailMutatingWebhookAfterIstio re-registers the guardrail's mutating
// configuration under a name that sorts after Istio's (the API server calls
// mutating configurations in name order), for the rest of the test.
func guardrailMutatingWebhookAfterIstio(t *testing.T) {
	t.Helper()
	o := env.WebhookOptions()
	o.Name = "zz-" + env.WebhookName
	_, mwc, err := framework.WebhookConfigurations(t.Context(), env.Cluster.Binaries.Helm, o)
	if err != nil {
		t.Fatal(err)
	}
	adm := env.Cluster.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := adm.Create(t.Context(), mwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = adm.Delete(ctx, mwc.Name, metav1.DeleteOptions{})
		if err := env.RegisterWebhooks(ctx); err != nil {
			t.Errorf("restore the webhook configurations: %v", err)
		}
	})
	if err := adm.Delete(t.Context(), env.WebhookName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// withoutGuardrailMutation removes the guardrail's mutating configuration
// (and the other names it may be registered under) for the rest of the test:
// Istio's injector alone mutates Pods.
func withoutGuardrailMutation(t *testing.T, otherNames ...string) {
	t.Helper()
	adm := env.Cluster.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	for _, name := range append([]string{env.WebhookName}, otherNames...) {
		if err := adm.Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := env.RegisterWebhooks(context.Background()); err != nil {
			t.Errorf("restore the webhook configurations: %v", err)
		}
	})
}

// decision is one "admission decision" line of the guardrail's log.
type decision struct {
	Webhook, Kind, Operation, Object, Decision string
	DryRun                                     bool
	Rules, Mutators                            []string
}

// guardrailDecisions returns the decisions logged so far for kind objects
// in ns by webhook ("validate" or "mutate"), dry runs excluded.
func guardrailDecisions(t *testing.T, webhook, kind, ns string) []decision {
	t.Helper()
	f, err := os.Open(env.Guardrail.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []decision
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var d decision
		var line struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "admission decision" || json.Unmarshal(sc.Bytes(), &d) != nil {
			continue
		}
		if d.Webhook == webhook && d.Kind == kind && !d.DryRun && strings.HasPrefix(d.Object, ns+"/") {
			out = append(out, d)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFindingsOf runs `istio-guardrail check -o json` with the server's
// config file on manifest (stdin) and returns the rule IDs by action, like
// checkFindings does for testdata files.
func checkFindingsOf(t *testing.T, manifest []byte, ns string, extra ...string) map[string][]string {
	t.Helper()
	findings := checkFindingList(t, manifest, ns, extra...)
	byAction := map[string][]string{}
	for _, f := range findings {
		if !slices.Contains(byAction[f.Action], f.Rule) {
			byAction[f.Action] = append(byAction[f.Action], f.Rule)
		}
	}
	for _, ids := range byAction {
		sort.Strings(ids)
	}
	return byAction
}
