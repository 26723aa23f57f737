package policy

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// testPod returns a pod named web in namespace ns with one app container.
func testPod(ns string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
}

// podObject wraps a pod as the decoders do (Meta aliases the body).
func podObject(p *corev1.Pod) *Object {
	return &Object{GroupKind: schema.GroupKind{Kind: "Pod"}, Version: "v1", Meta: &p.ObjectMeta, Body: p}
}

// deploymentObject wraps a deployment whose template is the given pod.
func deploymentObject(p *corev1.Pod) *Object {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: *p.ObjectMeta.DeepCopy(), Spec: *p.Spec.DeepCopy(),
		}},
	}
	d.Spec.Template.Namespace = ""
	return &Object{GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}, Version: "v1", Meta: &d.ObjectMeta, Body: d}
}

// namespaceObject wraps a Namespace.
func namespaceObject(name string, labels map[string]string) *Object {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	return &Object{GroupKind: schema.GroupKind{Kind: "Namespace"}, Version: "v1", Meta: &ns.ObjectMeta, Body: ns}
}

// injectedCtx knows namespace "mesh" (istio-injection=enabled), "rev"
// (istio.io/rev=1-20-0), "plain" (no labels) and "ambient".
func injectedCtx() *Context {
	return &Context{Namespaces: NamespaceLabels{
		"mesh":    {"istio-injection": "enabled"},
		"off":     {"istio-injection": "disabled"},
		"rev":     {"istio.io/rev": "1-20-0"},
		"plain":   {},
		"canary":  {"env": "canary"},
		"ambient": {"istio.io/dataplane-mode": "ambient"},
	}}
}

// mustEngine builds an engine or fails the test.
func mustEngine(t testing.TB, s Settings) *Engine {
	t.Helper()
	e, err := NewEngine(s)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// nativeProxy is an injected native istio-proxy sidecar.
func nativeProxy() corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	return corev1.Container{Name: IstioProxyContainer, Image: "istio/proxyv2", RestartPolicy: &always}
}
