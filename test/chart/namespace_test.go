package chart

import (
	"strings"
	"testing"
)

// templateIn runs `helm template` with values in the given release namespace.
func templateIn(t *testing.T, ns string, values map[string]any) (string, string, error) {
	t.Helper()
	return helm(t, "template", release, chartDir(t), "--namespace", ns, "--kube-version", kubeVersion, "-f", valuesFile(t, values))
}

// TestMeshNamespacesAreRefused checks that the chart refuses to install into
// the mesh root namespace or a mesh-config namespace: the webhooks exclude
// the release namespace, so the mesh-wide PeerAuthentication, istiod and the
// mesh config would silently go unvalidated.
func TestMeshNamespacesAreRefused(t *testing.T) {
	rootParam := func(id, ns string) map[string]any {
		return map[string]any{"config": map[string]any{"rules": map[string]any{id: map[string]any{"params": map[string]any{"rootNamespace": ns}}}}}
	}
	tests := map[string]struct {
		namespace string
		values    map[string]any
		refused   bool
	}{
		"istio-system by default":                  {"istio-system", nil, true},
		"another namespace":                        {"istio-guardrail", nil, false},
		"IGR101's rootNamespace":                   {"mesh-root", rootParam("IGR101", "mesh-root"), true},
		"IGR608's rootNamespace":                   {"mesh-root", rootParam("IGR608", "mesh-root"), true},
		"a mesh-config namespace":                  {"istio-canary", map[string]any{"webhook": map[string]any{"meshConfig": map[string]any{"namespaces": []string{"istio-system", "istio-canary"}}}}, true},
		"istio-system while IGR606 still reads it": {"istio-system", rootParam("IGR101", "mesh-root"), true},
		"istio-system once no rule reads it": {"istio-system", merge(
			map[string]any{"webhook": map[string]any{"meshConfig": map[string]any{"namespaces": []string{"mesh-root"}}}},
			map[string]any{"config": map[string]any{"rules": map[string]any{
				"IGR101": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
				"IGR606": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
				"IGR607": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
				"IGR608": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
				"IGR609": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
				"IGR610": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}},
			}}}), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := templateIn(t, tc.namespace, tc.values)
			if !tc.refused {
				if err != nil {
					t.Fatalf("helm template -n %s failed: %v\n%s", tc.namespace, err, stderr)
				}
				if !strings.Contains(out, "kind: ValidatingWebhookConfiguration") {
					t.Errorf("rendered no ValidatingWebhookConfiguration in %s", tc.namespace)
				}
				return
			}
			if err == nil {
				t.Fatalf("helm template -n %s rendered %d bytes; want it refused", tc.namespace, len(out))
			}
			for _, want := range []string{`release namespace "` + tc.namespace + `"`, "mesh root or mesh-config namespace",
				"exclude the release namespace", "PeerAuthentication"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("the refusal does not say %q:\n%s", want, stderr)
				}
			}
		})
	}
}
