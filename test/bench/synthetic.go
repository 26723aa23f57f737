package bench

import (
	"encoding/json"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScalingNamespace is the namespace of the synthetic objects; its labels
// (InjectedNamespaceLabels) enable sidecar injection so mutators apply.
const ScalingNamespace = "payments"

// InjectedNamespaceLabels are the labels of ScalingNamespace.
func InjectedNamespaceLabels() map[string]string {
	return map[string]string{"kubernetes.io/metadata.name": ScalingNamespace, "istio-injection": "enabled"}
}

// PodWithEnv returns the JSON of a one-container pod with n env vars.
func PodWithEnv(n int) []byte {
	return mustJSON(pod([]corev1.Container{container("app", n)}))
}

// PodWithContainers returns the JSON of a pod with n containers of 5 env vars each.
func PodWithContainers(n int) []byte {
	cs := make([]corev1.Container, n)
	for i := range cs {
		cs[i] = container("c"+strconv.Itoa(i), 5)
	}
	return mustJSON(pod(cs))
}

func pod(cs []corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "scaling", Namespace: ScalingNamespace,
			Labels: map[string]string{"app": "scaling", "version": "v1"}},
		Spec: corev1.PodSpec{ServiceAccountName: "scaling", Containers: cs},
	}
}

func container(name string, envs int) corev1.Container {
	env := make([]corev1.EnvVar, envs)
	for i := range env {
		env[i] = corev1.EnvVar{Name: fmt.Sprintf("SETTING_%04d", i), Value: fmt.Sprintf("value-%d", i)}
	}
	return corev1.Container{
		Name:  name,
		Image: "registry.example.com/shop/" + name + ":1.0.0",
		Env:   env,
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
	}
}

// AuthorizationPolicyWithRules returns the JSON of an ALLOW AuthorizationPolicy
// with n rules, each with a source principal, an operation and a condition.
func AuthorizationPolicyWithRules(n int) []byte {
	rules := make([]any, n)
	for i := range rules {
		rules[i] = map[string]any{
			"from": []any{map[string]any{"source": map[string]any{
				"principals": []string{fmt.Sprintf("cluster.local/ns/team-%d/sa/client-%d", i%50, i)},
			}}},
			"to": []any{map[string]any{"operation": map[string]any{
				"methods": []string{"GET", "POST"},
				"paths":   []string{fmt.Sprintf("/api/v1/resource-%d/*", i)},
				"ports":   []string{"8080"},
			}}},
			"when": []any{map[string]any{"key": "request.headers[x-tenant]", "values": []string{fmt.Sprintf("tenant-%d", i)}}},
		}
	}
	return mustJSON(map[string]any{
		"apiVersion": "security.istio.io/v1",
		"kind":       "AuthorizationPolicy",
		"metadata":   map[string]any{"name": "scaling", "namespace": ScalingNamespace},
		"spec": map[string]any{
			"action":   "ALLOW",
			"selector": map[string]any{"matchLabels": map[string]string{"app": "scaling"}},
			"rules":    rules,
		},
	})
}

// mustJSON encodes values built in this package, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode synthetic object: %v", err))
	}
	return b
}
