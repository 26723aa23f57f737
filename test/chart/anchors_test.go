package chart

import (
	"slices"
	"sort"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// isAnchorsWebhook tells the DELETE webhooks of the anchors (IGR810) apart.
func isAnchorsWebhook(name string) bool { return strings.HasPrefix(name, "anchors") }

// TestAnchorsWebhook checks the DELETE guard's routing: DELETE only, of
// exactly the kinds IGR810 judges, ConfigMaps only from the mesh-config
// namespaces by name, failurePolicy from anchors.failurePolicy, and nothing
// when anchors.enabled is false.
func TestAnchorsWebhook(t *testing.T) {
	v, _ := webhooks(t, render(t, map[string]any{"webhook": map[string]any{"meshConfig": map[string]any{"namespaces": []string{"istio-system", "istio-canary"}}}}))
	got := map[policy.Kind]bool{}
	n := 0
	for _, w := range v.Webhooks {
		if !isAnchorsWebhook(w.Name) {
			continue
		}
		n++
		if w.FailurePolicy == nil || *w.FailurePolicy != admissionregistrationv1.Ignore {
			t.Errorf("%s: failurePolicy %v, want the default Ignore", w.Name, w.FailurePolicy)
		}
		kinds := kindsOf(t, w.Rules, admissionregistrationv1.Delete)
		for k := range kinds {
			got[k] = true
		}
		if kinds[policy.KindConfigMap] {
			var in []string
			for _, r := range w.NamespaceSelector.MatchExpressions {
				if r.Key == corev1.LabelMetadataName && r.Operator == metav1.LabelSelectorOpIn {
					in = r.Values
				}
			}
			if len(kinds) != 1 || !slices.Equal(in, []string{"istio-system", "istio-canary"}) {
				t.Errorf("%s: ConfigMap DELETEs must come only from the mesh-config namespaces, got kinds %v from %v", w.Name, kinds, in)
			}
		}
	}
	want := []string{string(policy.KindAuthorizationPolicy), string(policy.KindConfigMap), string(policy.KindPeerAuthentication)}
	if g := sortedKinds(got); n != 2 || !slices.Equal(g, want) {
		t.Errorf("anchors webhooks: %d routing %v, want 2 routing %v", n, g, want)
	}
	for _, r := range policy.Catalogue() {
		if r.ID == "IGR810" {
			targets := make([]string, 0, len(r.Targets))
			for _, k := range r.Targets {
				targets = append(targets, string(k))
			}
			sort.Strings(targets)
			if !slices.Equal(targets, want) {
				t.Errorf("IGR810 targets %v, the webhook routes %v", targets, want)
			}
		}
	}
	off, _ := webhooks(t, render(t, map[string]any{"anchors": map[string]any{"enabled": false, "failurePolicy": "Fail"}}))
	for _, w := range off.Webhooks {
		if isAnchorsWebhook(w.Name) {
			t.Errorf("anchors.enabled=false still renders %s", w.Name)
		}
	}
}
