package framework

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWebhookConfigurations(t *testing.T) {
	cases := map[string]struct {
		opts            WebhookOptions
		wantURL         string
		wantService     bool
		wantIstioOp     bool
		wantMutateRules int
	}{
		"URL client config for an out-of-cluster server": {
			opts:    WebhookOptions{Name: "g", Namespace: "guard", URL: "https://127.0.0.1:9443", CABundle: []byte("ca")},
			wantURL: "https://127.0.0.1:9443/validate", wantMutateRules: 2,
		},
		"Service client config, IstioOperators served, namespace and workload mutation": {
			opts: WebhookOptions{Name: "g", Namespace: "guard", IstioOperators: true, MutateNamespaces: true, MutateWorkloads: true,
				Service: &admissionregistrationv1.ServiceReference{Name: "svc", Namespace: "guard", Port: ptr(int32(443))}},
			wantService: true, wantIstioOp: true, wantMutateRules: 7,
		},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			vwc, mwc := WebhookConfigurations(tc.opts)
			if vwc.Name != "g" || mwc.Name != "g" {
				t.Fatalf("names = %q, %q; want both g", vwc.Name, mwc.Name)
			}
			v, m := vwc.Webhooks[0], mwc.Webhooks[0]
			if len(vwc.Webhooks) != 5 {
				t.Errorf("validating entries = %d, want 5 (cluster-wide, injection, revision, ambient, control plane)", len(vwc.Webhooks))
			}
			for _, w := range vwc.Webhooks {
				if *w.FailurePolicy != admissionregistrationv1.Fail || !excludes(w.NamespaceSelector.MatchExpressions) {
					t.Errorf("%s: failurePolicy %s, selector %v", w.Name, *w.FailurePolicy, w.NamespaceSelector)
				}
			}
			mutateRules := 0
			for _, w := range mwc.Webhooks {
				mutateRules += len(w.Rules)
				if *w.FailurePolicy != admissionregistrationv1.Ignore || *w.ReinvocationPolicy != admissionregistrationv1.IfNeededReinvocationPolicy ||
					!excludes(w.NamespaceSelector.MatchExpressions) {
					t.Errorf("%s: failurePolicy %s, reinvocation %s, selector %v", w.Name, *w.FailurePolicy, *w.ReinvocationPolicy, w.NamespaceSelector)
				}
			}
			if *v.SideEffects != admissionregistrationv1.SideEffectClassNone || *v.TimeoutSeconds != 5 ||
				*v.MatchPolicy != admissionregistrationv1.Equivalent || !slices.Equal(v.AdmissionReviewVersions, []string{"v1"}) {
				t.Errorf("common settings differ from the chart's: %+v", v)
			}
			if tc.wantURL != "" && (v.ClientConfig.URL == nil || *v.ClientConfig.URL != tc.wantURL) {
				t.Errorf("validating URL = %v, want %s", v.ClientConfig.URL, tc.wantURL)
			}
			if tc.wantService && (m.ClientConfig.Service == nil || *m.ClientConfig.Service.Path != MutatePath ||
				*v.ClientConfig.Service.Path != ValidatePath) {
				t.Errorf("service client configs = %+v / %+v", v.ClientConfig.Service, m.ClientConfig.Service)
			}
			hasIstioOp := slices.ContainsFunc(v.Rules, func(r admissionregistrationv1.RuleWithOperations) bool {
				return slices.Contains(r.APIGroups, "install.istio.io")
			})
			if hasIstioOp != tc.wantIstioOp {
				t.Errorf("istiooperators rule present = %v, want %v", hasIstioOp, tc.wantIstioOp)
			}
			if mutateRules != tc.wantMutateRules {
				t.Errorf("mutating rules = %d, want %d", mutateRules, tc.wantMutateRules)
			}
		})
	}
}

// excludes reports whether the selector excludes the namespaces that must
// never depend on the webhook, by name.
func excludes(reqs []metav1.LabelSelectorRequirement) bool {
	return slices.ContainsFunc(reqs, func(r metav1.LabelSelectorRequirement) bool {
		return r.Key == "kubernetes.io/metadata.name" && r.Operator == metav1.LabelSelectorOpNotIn &&
			slices.Equal(r.Values, []string{"kube-system", "kube-node-lease", "guard"})
	})
}
