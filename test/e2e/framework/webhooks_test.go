package framework

import (
	"encoding/json"
	"path/filepath"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestWebhookConfigurationsAreTheChartsWebhooks renders the Helm chart with
// bin/helm for the cluster's Kubernetes version and checks that
// WebhookConfigurations, given the options that correspond to the values,
// registers exactly the chart's webhooks: the same entries in the same order,
// each equal field by field, with the chart's Service client config. The
// chart's DELETE entries of the anchors (IGR810) are rendered off
// (anchors.enabled=false): the posture tests register them themselves.
func TestWebhookConfigurationsAreTheChartsWebhooks(t *testing.T) {
	const release, ns, fullname = "rel", "guardrail-system", "rel-istio-guardrail"
	svc := &admissionregistrationv1.ServiceReference{Name: fullname, Namespace: ns, Port: ptr(int32(443))}
	cases := map[string]struct {
		values []string
		opts   WebhookOptions
	}{
		"chart defaults": {
			opts: WebhookOptions{IstioOperators: true, MutateNamespaces: true, MeshConfigNamespaces: []string{"istio-system"}},
		},
		"mesh config off, workloads mutated, namespaces not, extra control-plane namespaces": {
			values: []string{"webhook.meshConfig.enabled=false", "config.mutation.workloads=true", "config.mutation.namespaces=false",
				"webhook.meshConfig.namespaces={istio-config}", "webhook.workloadNamespaces={istio-ingress}"},
			opts: WebhookOptions{IstioOperators: true, MutateWorkloads: true,
				ControlPlaneNamespaces: []string{"istio-config", "istio-system", "istio-ingress"}},
		},
		"mesh config from two namespaces": {
			values: []string{"webhook.meshConfig.namespaces={istio-system,istio-config}"},
			opts: WebhookOptions{IstioOperators: true, MutateNamespaces: true, MeshConfigNamespaces: []string{"istio-system", "istio-config"},
				ControlPlaneNamespaces: []string{"istio-system", "istio-config"}},
		},
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := binDir()
	if err != nil {
		t.Fatal(err)
	}
	helm := filepath.Join(dir, "helm")
	if err := executable(helm, "run make tools"); err != nil {
		t.Fatal(err)
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			objs, err := HelmTemplate(t.Context(), helm, release, filepath.Join(root, "charts", "istio-guardrail"), ns,
				append([]string{"anchors.enabled=false"}, tc.values...))
			if err != nil {
				t.Fatal(err)
			}
			var chartV admissionregistrationv1.ValidatingWebhookConfiguration
			var chartM admissionregistrationv1.MutatingWebhookConfiguration
			for _, u := range objs {
				var into any
				switch u.GetKind() {
				case "ValidatingWebhookConfiguration":
					into = &chartV
				case "MutatingWebhookConfiguration":
					into = &chartM
				default:
					continue
				}
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
					t.Fatal(err)
				}
			}
			if len(chartV.Webhooks) == 0 || len(chartM.Webhooks) == 0 {
				t.Fatalf("the chart rendered no webhooks: %d validating, %d mutating", len(chartV.Webhooks), len(chartM.Webhooks))
			}
			o := tc.opts
			o.Name, o.Namespace, o.Service = fullname, ns, svc
			v, m := WebhookConfigurations(o)
			if v.Name != chartV.Name || m.Name != chartM.Name {
				t.Errorf("names = %q, %q; chart: %q, %q", v.Name, m.Name, chartV.Name, chartM.Name)
			}
			sameEntries(t, "validating", chartV.Webhooks, v.Webhooks, func(w admissionregistrationv1.ValidatingWebhook) string { return w.Name })
			sameEntries(t, "mutating", chartM.Webhooks, m.Webhooks, func(w admissionregistrationv1.MutatingWebhook) string { return w.Name })
		})
	}
}

// TestWebhookConfigurationsURLClientConfig: an out-of-cluster server is
// called at its URL with the CA bundle, on the path of each configuration.
func TestWebhookConfigurationsURLClientConfig(t *testing.T) {
	v, m := WebhookConfigurations(WebhookOptions{Name: "g", Namespace: "guard", URL: "https://127.0.0.1:9443", CABundle: []byte("ca"),
		MutateNamespaces: true, MeshConfigNamespaces: []string{"istio-system"}})
	check := func(name string, cc admissionregistrationv1.WebhookClientConfig, want string) {
		if cc.URL == nil || *cc.URL != want || string(cc.CABundle) != "ca" || cc.Service != nil {
			t.Errorf("%s: client config %+v, want URL %s with the CA bundle and no Service", name, cc, want)
		}
	}
	for _, w := range v.Webhooks {
		check(w.Name, w.ClientConfig, "https://127.0.0.1:9443"+ValidatePath)
	}
	for _, w := range m.Webhooks {
		check(w.Name, w.ClientConfig, "https://127.0.0.1:9443"+MutatePath)
	}
}

// sameEntries compares webhook entries by name and order, and each entry as
// JSON, reporting every difference.
func sameEntries[W any](t *testing.T, what string, chart, fw []W, name func(W) string) {
	t.Helper()
	if len(chart) != len(fw) {
		t.Errorf("%s: %d entries, chart %d", what, len(fw), len(chart))
	}
	for i := range min(len(chart), len(fw)) {
		c, err := json.Marshal(chart[i])
		if err != nil {
			t.Fatal(err)
		}
		f, err := json.Marshal(fw[i])
		if err != nil {
			t.Fatal(err)
		}
		if string(c) != string(f) {
			t.Errorf("%s entry %d (%s) differs\n chart:     %s\n framework: %s", what, i, name(chart[i]), c, f)
		}
	}
	for i := len(fw); i < len(chart); i++ {
		t.Errorf("%s: the framework does not register the chart's %s", what, name(chart[i]))
	}
	for i := len(chart); i < len(fw); i++ {
		t.Errorf("%s: the framework registers %s, which the chart does not ship", what, name(fw[i]))
	}
}
