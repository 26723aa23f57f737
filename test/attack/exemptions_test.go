package attack

import (
	"net/http"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

var peerAuthKind = metav1.GroupVersionKind{Group: "security.istio.io", Version: "v1", Kind: "PeerAuthentication"}

// selfExempted is a tenant's PeerAuthentication that disables mTLS and
// exempts itself from IGR101 with a token reason.
func selfExempted(ns string) []byte {
	return []byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"off","namespace":"` + ns +
		`","annotations":{"istio-guardrail.io/exempt":"IGR101","istio-guardrail.io/exempt-reason":"x"}},"spec":{"mtls":{"mode":"DISABLE"}}}`)
}

func TestTenantExemption(t *testing.T) {
	tests := []struct {
		desc        string
		cfg         *config.Config
		ns          string
		wantAllowed bool
	}{
		{desc: "default config: the annotation exempts from nothing", cfg: config.Default(), ns: "shop"},
		{desc: "admin allows IGR101: exempted, logged and counted",
			cfg: parseConfig(t, "exemptions:\n  allowedRules: [IGR101]\n"), ns: "shop", wantAllowed: true},
		{desc: "admin allows IGR101 only in legacy-*: ignored in shop",
			cfg: parseConfig(t, "exemptions:\n  allowedRules: [IGR101]\n  annotationNamespaces: [legacy-*]\n"), ns: "shop"},
		{desc: "admin allows IGR101 only in legacy-*: honoured in legacy-billing",
			cfg: parseConfig(t, "exemptions:\n  allowedRules: [IGR101]\n  annotationNamespaces: [legacy-*]\n"), ns: "legacy-billing", wantAllowed: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			g := newGuardrail(t, tc.cfg)
			h := webhooks.NewReviewHandler(g.validator, 0, nil)
			code, resp := post(t, h, review(t, "pa", admissionv1.Create, peerAuthKind, tc.ns, "off", selfExempted(tc.ns)))
			if code != http.StatusOK {
				t.Fatalf("HTTP %d", code)
			}
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			entries := g.logs.FilterMessage("admission decision").All()
			if len(entries) != 1 {
				t.Fatalf("%d decision lines, want 1", len(entries))
			}
			fields := entries[0].ContextMap()
			counted := counterValue(t, g.reg, webhooks.MetricExemptions, map[string]string{"rule": "IGR101"})
			if !tc.wantAllowed {
				if fields["decision"] != "denied" || counted != 0 {
					t.Errorf("decision %v, exemptions counted %v: want denied and none", fields["decision"], counted)
				}
				return
			}
			if fields["decision"] != "exempted" {
				t.Errorf("decision = %v, want exempted", fields["decision"])
			}
			if rules, _ := fields["exemptedRules"].([]any); len(rules) != 1 || rules[0] != "IGR101" {
				t.Errorf("exemptedRules = %#v, want [IGR101]", fields["exemptedRules"])
			}
			if fields["exemptReason"] != "x" {
				t.Errorf("exemptReason = %v, want x", fields["exemptReason"])
			}
			if counted != 1 {
				t.Errorf("%s{rule=IGR101} = %v, want 1", webhooks.MetricExemptions, counted)
			}
			if got := counterValue(t, g.reg, webhooks.MetricRequests, map[string]string{"decision": "exempted"}); got != 1 {
				t.Errorf("%s{decision=exempted} = %v, want 1", webhooks.MetricRequests, got)
			}
		})
	}
}

// TestNoConfigurationIsAnHTTPFailure: before a configuration is loaded both
// webhooks answer HTTP 503, never allowed:false inside a 200, so the
// failurePolicy of each webhook (Ignore for the mesh-config one) decides.
func TestNoConfigurationIsAnHTTPFailure(t *testing.T) {
	g := newGuardrail(t, nil)
	body := review(t, "pa", admissionv1.Create, peerAuthKind, "shop", "off", selfExempted("shop"))
	for name, h := range map[string]http.Handler{
		"validate": webhooks.NewReviewHandler(g.validator, 0, nil),
		"mutate":   webhooks.NewReviewHandler(g.mutator, 0, nil),
	} {
		// The mutator has nothing to do for a PeerAuthentication but still
		// needs the configuration to know that.
		if code, _ := post(t, h, body); code != http.StatusServiceUnavailable {
			t.Errorf("%s: HTTP %d, want 503", name, code)
		}
	}
}
