package chart

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// calledFor returns the names of the webhooks the API server would call for
// an object of kind in a namespace with nsLabels (the name label included, as
// the API server sets it), evaluating each selector as the API server does.
func calledFor(t *testing.T, hooks []common, kind policy.Kind, name string, nsLabels map[string]string) []string {
	t.Helper()
	set := labels.Set{corev1.LabelMetadataName: name}
	for k, v := range nsLabels {
		set[k] = v
	}
	var out []string
	for _, w := range hooks {
		if isAnchorsWebhook(w.name) {
			continue // DELETE only (anchors_test.go); this test is about writes
		}
		ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
		if !kindsOf(t, w.rules, ops...)[kind] {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(w.namespaceSelector)
		if err != nil {
			t.Fatalf("%s: namespaceSelector: %v", w.name, err)
		}
		if sel.Matches(set) {
			out = append(out, w.name)
		}
	}
	slices.Sort(out)
	return out
}

// TestPodWebhooksOnlyInMesh checks the blast radius (issue 10 item 8): Pods
// and workloads reach the webhooks only from namespaces Istio's injector
// selects (istio-injection=enabled; istio.io/rev without istio-injection)
// and, for validation, from the control-plane namespaces; so a guardrail
// outage cannot block pods anywhere else. Namespaces and Istio kinds stay
// cluster-wide, and the exclusions by name still win.
func TestPodWebhooksOnlyInMesh(t *testing.T) {
	injection := map[string]string{"istio-injection": "enabled"}
	revision := map[string]string{"istio.io/rev": "1-24-0"}
	optedOut := map[string]string{"istio-injection": "disabled", "istio.io/rev": "1-24-0"}
	ambient := map[string]string{"istio.io/dataplane-mode": "ambient"}
	const (
		vInj = "injection.workloads.validate.istio-guardrail.io"
		vRev = "revision.workloads.validate.istio-guardrail.io"
		vCP  = "controlplane.workloads.validate.istio-guardrail.io"
		vAmb = "ambient.workloads.validate.istio-guardrail.io"
		mInj = "injection.workloads.mutate.istio-guardrail.io"
		mRev = "revision.workloads.mutate.istio-guardrail.io"
		vAll = "validate.istio-guardrail.io"
		mAll = "mutate.istio-guardrail.io"
	)
	tests := map[string]struct {
		kind   policy.Kind
		ns     string
		labels map[string]string
		values map[string]any
		want   []string
	}{
		"pod in an injection namespace":                {policy.KindPod, "app", injection, nil, []string{mInj, vInj}},
		"pod in a revision namespace":                  {policy.KindPod, "canary", revision, nil, []string{mRev, vRev}},
		"pod in a namespace outside the mesh":          {policy.KindPod, "batch", nil, nil, nil},
		"pod in an ambient namespace, validated only":  {policy.KindPod, "ambient-app", ambient, nil, []string{vAmb}},
		"deployment in an ambient namespace":           {policy.KindDeployment, "ambient-app", ambient, nil, []string{vAmb}},
		"pod where the namespace opted out of ambient": {policy.KindPod, "plain", map[string]string{"istio.io/dataplane-mode": "none"}, nil, nil},
		"ambient pod in kube-system":                   {policy.KindPod, "kube-system", ambient, nil, nil},
		"pod where istio-injection=disabled wins":      {policy.KindPod, "out", optedOut, nil, nil},
		"deployment outside the mesh":                  {policy.KindDeployment, "batch", nil, nil, nil},
		"cronjob in a revision namespace":              {policy.KindCronJob, "canary", revision, nil, []string{vRev}},
		"istiod deployment in istio-system":            {policy.KindDeployment, "istio-system", nil, nil, []string{vCP}},
		"gateway deployment in a named namespace": {policy.KindDeployment, "istio-ingress", nil,
			map[string]any{"webhook": map[string]any{"workloadNamespaces": []string{"istio-ingress"}}}, []string{vCP}},
		"istiod under a custom rootNamespace": {policy.KindDeployment, "mesh-root", nil,
			map[string]any{"config": map[string]any{"rules": map[string]any{"IGR601": map[string]any{"action": "deny"},
				"IGR606": map[string]any{"params": map[string]any{"rootNamespace": "mesh-root"}}}}}, []string{vCP}},
		"pod in kube-system even if labelled":           {policy.KindPod, "kube-system", injection, nil, nil},
		"pod in the release namespace even if labelled": {policy.KindPod, namespace, injection, nil, nil},
		"namespace outside the mesh":                    {policy.KindNamespace, "batch", nil, nil, []string{mAll, vAll}},
		"peerauthentication outside the mesh":           {policy.KindPeerAuthentication, "batch", nil, nil, []string{vAll}},
		"workload mutation only in the mesh": {policy.KindStatefulSet, "app", injection,
			modes["workload mutation"], []string{mInj, vInj}},
		"no workload mutation outside the mesh": {policy.KindStatefulSet, "batch", nil, modes["workload mutation"], nil},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			v, mu := webhooks(t, render(t, tc.values))
			got := calledFor(t, allWebhooks(v, mu), tc.kind, tc.ns, tc.labels)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s in namespace %s %v: called %v, want %v", tc.kind, tc.ns, tc.labels, got, tc.want)
			}
		})
	}
}
