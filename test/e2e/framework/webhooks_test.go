package framework

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
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
			wantURL: "https://127.0.0.1:9443/validate", wantMutateRules: 1,
		},
		"Service client config, IstioOperators served, namespace and workload mutation": {
			opts: WebhookOptions{Name: "g", Namespace: "guard", IstioOperators: true, MutateNamespaces: true, MutateWorkloads: true,
				Service: &admissionregistrationv1.ServiceReference{Name: "svc", Namespace: "guard", Port: ptr(int32(443))}},
			wantService: true, wantIstioOp: true, wantMutateRules: 4,
		},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			vwc, mwc := WebhookConfigurations(tc.opts)
			if vwc.Name != "g" || mwc.Name != "g" {
				t.Fatalf("names = %q, %q; want both g", vwc.Name, mwc.Name)
			}
			v, m := vwc.Webhooks[0], mwc.Webhooks[0]
			if *v.FailurePolicy != admissionregistrationv1.Fail || *m.FailurePolicy != admissionregistrationv1.Ignore {
				t.Errorf("failure policies = %s/%s, want Fail/Ignore", *v.FailurePolicy, *m.FailurePolicy)
			}
			if *m.ReinvocationPolicy != admissionregistrationv1.IfNeededReinvocationPolicy {
				t.Errorf("reinvocationPolicy = %s, want IfNeeded", *m.ReinvocationPolicy)
			}
			for _, sel := range [][]string{v.NamespaceSelector.MatchExpressions[0].Values, m.NamespaceSelector.MatchExpressions[0].Values} {
				if !slices.Equal(sel, []string{"kube-system", "kube-node-lease", "guard"}) {
					t.Errorf("excluded namespaces = %v", sel)
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
			if len(m.Rules) != tc.wantMutateRules {
				t.Errorf("mutating rules = %d, want %d", len(m.Rules), tc.wantMutateRules)
			}
		})
	}
}
