package e2e

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestMutatePreviewMatchesWhatBothWebhooksStored: `istio-guardrail mutate`
// shows exactly the guardrail's part of what is stored for a Deployment's Pod
// next to Istio's real injector. Guardrail first: Istio alone injecting the
// preview of the ReplicaSet's Pod stores the same Pod as both webhooks did.
// Guardrail after Istio: the preview of the Pod Istio alone injected is the
// stored Pod (with Istio's injector at reinvocationPolicy IfNeeded, after
// Istio and the guardrail ran once more on it).
func TestMutatePreviewMatchesWhatBothWebhooksStored(t *testing.T) {
	requireIstio(t)
	for _, rev := range []string{revA, revB} {
		for order, guardrailAfter := range map[string]bool{"guardrail before Istio's injector": false, "guardrail after Istio's injector": true} {
			t.Run(rev+", "+order, func(t *testing.T) { requirePreviewMatches(t, rev, guardrailAfter) })
		}
	}
}

func requirePreviewMatches(t *testing.T, rev string, guardrailAfter bool) {
	if guardrailAfter {
		guardrailMutatingWebhookAfterIstio(t)
	}
	ns := revNamespace(t, rev)
	requireAllowed(t, kubectl(t, deployment("web"), "apply", "-n", ns, "-f", "-"))
	stored := onePod(t, ns, "web")
	input := replicaSetPod(t, stored)

	// From here on Istio's injector alone mutates Pods.
	withoutGuardrailMutation(t, "zz-"+env.WebhookName)
	var got *corev1.Pod
	if guardrailAfter {
		got = preview(t, ns, rev, istioOnly(t, ns, rev, input))
		if istioReinvoked[rev] {
			// Istio's injector runs again after the guardrail's change, and
			// then the guardrail once more (the API server's reinvocation).
			got = preview(t, ns, rev, istioOnly(t, ns, rev, got))
		}
	} else {
		got = istioOnly(t, ns, rev, preview(t, ns, rev, input))
	}
	if w, g := comparable(t, stored), comparable(t, got); !reflect.DeepEqual(w, g) {
		t.Errorf("the preview differs from the stored pod\nstored:\n%s\npreview:\n%s", toYAML(t, w), toYAML(t, g))
	}
}

// replicaSetPod is the Pod the ReplicaSet owning p sends to admission: its
// template's metadata and spec, generateName and the controller reference.
func replicaSetPod(t *testing.T, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		t.Fatalf("pod %s is not owned by a ReplicaSet: %v", p.Name, p.OwnerReferences)
	}
	rs, err := env.Cluster.Client.AppsV1().ReplicaSets(p.Namespace).Get(t.Context(), ref.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return podFromTemplate(rs)
}

func podFromTemplate(rs *appsv1.ReplicaSet) *corev1.Pod {
	tpl := rs.Spec.Template
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: rs.Name + "-", Namespace: rs.Namespace,
			Labels: tpl.Labels, Annotations: tpl.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}},
		Spec: tpl.Spec,
	}
}

// istioOnly returns p as the API server would store it with only Istio's
// injector mutating (a server-side dry run).
func istioOnly(t *testing.T, ns, rev string, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	r := kubectl(t, string(podManifestJSON(t, p)), "create", "--dry-run=server", "-n", ns, "-o", "json", "-f", "-")
	requireAllowed(t, r)
	var out corev1.Pod
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("decode the dry-run pod: %v", err)
	}
	if injectedBy(&out) != rev {
		t.Fatalf("the dry run was not injected by %s:\n%s", rev, r.Stdout)
	}
	return &out
}

// preview runs `istio-guardrail mutate -o json` on p with the server's config
// and ns's labels (istio.io/rev=rev).
func preview(t *testing.T, ns, rev string, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), env.Cluster.Binaries.Guardrail, "mutate", "-o", "json", "--config", env.ConfigPath,
		"--namespace", ns, "--namespace-label", "istio.io/rev="+rev, "-f", "-")
	cmd.Stdin = strings.NewReader(string(podManifestJSON(t, p)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("istio-guardrail mutate: %v\n%s", err, stderr.String())
	}
	var got corev1.Pod
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode the preview: %v\n%s", err, out)
	}
	return &got
}

// podManifestJSON is p as an input manifest: no status, no server bookkeeping.
func podManifestJSON(t *testing.T, p *corev1.Pod) []byte {
	t.Helper()
	c := p.DeepCopy()
	c.APIVersion, c.Kind = "v1", "Pod"
	c.Status = corev1.PodStatus{}
	c.ManagedFields, c.UID, c.ResourceVersion, c.CreationTimestamp = nil, "", "", metav1.Time{}
	if c.GenerateName != "" {
		c.Name = ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// comparable keeps what admission decides: labels, annotations, owner and spec.
func comparable(t *testing.T, p *corev1.Pod) map[string]any {
	t.Helper()
	var m map[string]any
	b, err := json.Marshal(struct {
		Labels, Annotations map[string]string
		Owners              []metav1.OwnerReference
		Spec                corev1.PodSpec
	}{p.Labels, p.Annotations, p.OwnerReferences, p.Spec})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func toYAML(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
