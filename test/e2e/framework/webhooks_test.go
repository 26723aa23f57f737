package framework

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// TestWebhookConfigurationsRenderTheChart renders the chart's configurations
// with bin/helm: every entry calls the server's URL on the path of the
// chart's Service (validating /validate, mutating /mutate) with the CA
// bundle; the framework leaves the DELETE and mesh-config entries off unless
// the values turn them on, and values reach the chart.
func TestWebhookConfigurationsRenderTheChart(t *testing.T) {
	dir, err := binDir()
	if err != nil {
		t.Fatal(err)
	}
	helm := filepath.Join(dir, "helm")
	if err := executable(helm, "run make tools"); err != nil {
		t.Fatal(err)
	}
	const url = "https://127.0.0.1:9443"
	render := func(t *testing.T, values ...string) ([]string, []string) {
		t.Helper()
		v, m, err := WebhookConfigurations(t.Context(), helm, WebhookOptions{Name: "g", Namespace: "guard", URL: url, CABundle: []byte("ca"), Values: values})
		if err != nil {
			t.Fatal(err)
		}
		if v.Name != "g" || m.Name != "g" {
			t.Errorf("names %q, %q; want g (fullnameOverride)", v.Name, m.Name)
		}
		check := func(name string, cc admissionregistrationv1.WebhookClientConfig, path string) {
			if cc.URL == nil || *cc.URL != url+path || string(cc.CABundle) != "ca" || cc.Service != nil {
				t.Errorf("%s: client config %+v, want URL %s with the CA bundle and no Service", name, cc, url+path)
			}
		}
		var vn, mn []string
		for _, w := range v.Webhooks {
			check(w.Name, w.ClientConfig, "/validate")
			if !slices.Contains(w.NamespaceSelector.MatchExpressions[len(w.NamespaceSelector.MatchExpressions)-1].Values, "guard") {
				t.Errorf("%s does not exclude the release namespace: %+v", w.Name, w.NamespaceSelector)
			}
			vn = append(vn, w.Name)
		}
		for _, w := range m.Webhooks {
			check(w.Name, w.ClientConfig, "/mutate")
			mn = append(mn, w.Name)
		}
		return vn, mn
	}
	has := func(names []string, prefix string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, prefix) })
	}
	t.Run("framework defaults", func(t *testing.T) {
		v, m := render(t)
		if has(v, "anchors") || has(v, "meshconfig.") || !has(v, "validate.") || !has(v, "controlplane.") {
			t.Errorf("validating entries %v: want the chart's without anchors and mesh config", v)
		}
		if !has(m, "mutate.") || !has(m, "injection.") {
			t.Errorf("mutating entries %v: want the chart's namespace and mesh entries", m)
		}
	})
	t.Run("values turn entries on and off", func(t *testing.T) {
		v, m := render(t, "anchors.enabled=true", "webhook.meshConfig.enabled=true", "webhook.mutating.enabled=false")
		if !has(v, "anchors.") || !has(v, "anchors-meshconfig.") || !has(v, "meshconfig.") {
			t.Errorf("validating entries %v: want the anchors and mesh-config entries", v)
		}
		if len(m) != 0 {
			t.Errorf("mutating entries %v with webhook.mutating.enabled=false", m)
		}
	})
}
