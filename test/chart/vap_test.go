package chart

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/istio-guardrail/istio-guardrail/admissionpolicy"
)

// TestVAPMatchesTheGenerator: with vap.enabled the chart renders exactly what
// `istio-guardrail vap` generates for the chart's own GuardrailConfig, with
// the webhook's namespace exclusions.
func TestVAPMatchesTheGenerator(t *testing.T) {
	tests := map[string]map[string]any{
		"defaults": {},
		"actions, parameters and exemptions": {
			"webhook": map[string]any{"excludeNamespaces": []any{"sandbox"}},
			"config": map[string]any{
				"rules": map[string]any{
					"IGR101": map[string]any{"action": "warn", "params": map[string]any{"rootNamespace": "mesh-root"}},
					"IGR102": map[string]any{"action": "off"},
					"IGR301": map[string]any{"action": "audit", "params": map[string]any{"requireExplicitMinProtocolVersion": true}},
					"IGR501": map[string]any{"action": "warn"},
				},
				"exemptions": map[string]any{"namespaces": []any{"legacy", "team-*", "a.b?"}, "allowedRules": []any{"IGR201", "IGR203"},
					"annotationNamespaces": []any{"app-*"}},
			},
		},
		"annotations honoured nowhere": {"config": map[string]any{"exemptions": map[string]any{
			"allowedRules": []any{"IGR201"}, "annotationNamespaces": []any{}}}},
	}
	for desc, values := range tests {
		t.Run(desc, func(t *testing.T) {
			values = merge(values, map[string]any{"vap": map[string]any{"enabled": true}})
			m := render(t, values)
			cfg := guardrailConfig(t, m)
			excluded := []string{"kube-system", "kube-node-lease", namespace}
			if wh, ok := values["webhook"].(map[string]any); ok {
				for _, ns := range wh["excludeNamespaces"].([]any) {
					excluded = append(excluded, ns.(string))
				}
			}
			want, err := admissionpolicy.Generate(cfg.Settings, admissionpolicy.Options{Name: fullname, Namespace: namespace, ExcludeNamespaces: excluded})
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
				var got []string
				for _, n := range m.names(kind) {
					if strings.HasPrefix(n, fullname+"-igr") {
						got = append(got, n)
					}
				}
				if len(got) != len(want.Bindings) {
					t.Errorf("%ss %v, the generator has %d", kind, got, len(want.Bindings))
				}
			}
			for _, p := range want.Policies {
				var got admissionregistrationv1.ValidatingAdmissionPolicy
				decodeInto(t, m, "ValidatingAdmissionPolicy", p.Name, &got)
				if !reflect.DeepEqual(normal(t, got.Spec), normal(t, p.Spec)) {
					t.Errorf("policy %s differs from the generator's", p.Name)
				}
				if got.Labels[admissionpolicy.LabelRule] != p.Labels[admissionpolicy.LabelRule] {
					t.Errorf("policy %s labels %v", p.Name, got.Labels)
				}
			}
			for _, b := range want.Bindings {
				var got admissionregistrationv1.ValidatingAdmissionPolicyBinding
				decodeInto(t, m, "ValidatingAdmissionPolicyBinding", b.Name, &got)
				if !reflect.DeepEqual(normal(t, got.Spec), normal(t, b.Spec)) {
					gj, _ := json.Marshal(got.Spec)
					wj, _ := json.Marshal(b.Spec)
					t.Errorf("binding %s:\n chart     %s\n generator %s", b.Name, gj, wj)
				}
			}
			var cm corev1.ConfigMap
			decodeInto(t, m, "ConfigMap", want.Params.Name, &cm)
			if !reflect.DeepEqual(cm.Data, want.Params.Data) {
				t.Errorf("params:\n chart     %v\n generator %v", cm.Data, want.Params.Data)
			}
		})
	}
}

// normal round-trips v through JSON, so that nil and empty compare equal as
// the API server would store them.
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVAPModes: backstop makes the validating webhook for Istio objects and
// Namespaces fail open; alongside and a disabled vap keep
// webhook.failurePolicy; the workload webhooks keep it in every mode.
func TestVAPModes(t *testing.T) {
	for desc, tc := range map[string]struct {
		vap  map[string]any
		want string
	}{
		"disabled":  {map[string]any{"enabled": false}, "Fail"},
		"backstop":  {map[string]any{"enabled": true, "mode": "backstop"}, "Ignore"},
		"alongside": {map[string]any{"enabled": true, "mode": "alongside"}, "Fail"},
	} {
		t.Run(desc, func(t *testing.T) {
			m := render(t, map[string]any{"vap": tc.vap})
			var vwc admissionregistrationv1.ValidatingWebhookConfiguration
			decodeInto(t, m, "ValidatingWebhookConfiguration", fullname, &vwc)
			var policies []string
			for _, w := range vwc.Webhooks {
				fp := string(*w.FailurePolicy)
				if w.Name == "validate.istio-guardrail.io" {
					if fp != tc.want {
						t.Errorf("%s failurePolicy %s, want %s", w.Name, fp, tc.want)
					}
				} else if strings.Contains(w.Name, "workloads") && fp != "Fail" {
					t.Errorf("%s failurePolicy %s, want webhook.failurePolicy Fail", w.Name, fp)
				}
			}
			policies = m.names("ValidatingAdmissionPolicy")
			sort.Strings(policies)
			hasRulePolicy := false
			for _, p := range policies {
				if strings.HasPrefix(p, fullname+"-igr") {
					hasRulePolicy = true
				}
			}
			if hasRulePolicy != tc.vap["enabled"].(bool) {
				t.Errorf("vap.enabled=%v renders policies %v", tc.vap["enabled"], policies)
			}
		})
	}
}

// TestVAPRefusesGlobsItCannotTranslate: character classes are refused, not
// approximated.
func TestVAPRefusesGlobsItCannotTranslate(t *testing.T) {
	values := map[string]any{"vap": map[string]any{"enabled": true},
		"config": map[string]any{"exemptions": map[string]any{"namespaces": []any{"team-[ab]"}}}}
	_, stderr, err := helm(t, templateArgs(t, values)...)
	if err == nil || !strings.Contains(stderr, "team-[ab]") {
		t.Fatalf("want helm template to refuse the pattern, got err=%v\n%s", err, stderr)
	}
}
