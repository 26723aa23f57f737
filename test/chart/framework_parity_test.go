package chart

import (
	"encoding/json"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// TestE2EFrameworkRegistersTheChartsWebhooks checks that the end-to-end
// suite's registration (framework.WebhookConfigurations) matches what the
// chart ships by default, entry by entry: names, rules, namespace selectors
// and failure policies. Only the chart's mesh-config ConfigMap entry and the
// DELETE guard's entries (registered by the posture tests, test/e2e/audit_*)
// are not registered by the framework.
func TestE2EFrameworkRegistersTheChartsWebhooks(t *testing.T) {
	v, mu := webhooks(t, render(t, nil))
	fv, fm := framework.WebhookConfigurations(framework.WebhookOptions{Name: fullname, Namespace: namespace,
		IstioOperators: true, MutateNamespaces: true, Service: &admissionregistrationv1.ServiceReference{Name: fullname, Namespace: namespace}})
	type entry struct {
		Rules             any
		NamespaceSelector any
		FailurePolicy     any
	}
	index := func(hooks []common) map[string]string {
		out := map[string]string{}
		for _, w := range hooks {
			if w.name == "meshconfig.validate.istio-guardrail.io" || isAnchorsWebhook(w.name) {
				continue
			}
			b, err := json.Marshal(entry{w.rules, w.namespaceSelector, w.failurePolicy})
			if err != nil {
				t.Fatal(err)
			}
			out[w.name] = string(b)
		}
		return out
	}
	chart, fw := index(allWebhooks(v, mu)), index(allWebhooks(fv, fm))
	for name, c := range chart {
		f, ok := fw[name]
		switch {
		case !ok:
			t.Errorf("the e2e framework does not register %s", name)
		case f != c:
			t.Errorf("%s differs\n chart:     %s\n framework: %s", name, c, f)
		}
	}
	for name := range fw {
		if _, ok := chart[name]; !ok {
			t.Errorf("the e2e framework registers %s, which the chart does not ship", name)
		}
	}
}
