package chart

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// The policies that confine the ServiceAccount's webhook configuration
// updates to the caBundle (self-managed mode).
var caBundlePolicies = map[string]struct {
	resource string
	webhook  reflect.Type
}{
	fullname + "-cabundle-validating": {"validatingwebhookconfigurations", reflect.TypeFor[admissionregistrationv1.ValidatingWebhook]()},
	fullname + "-cabundle-mutating":   {"mutatingwebhookconfigurations", reflect.TypeFor[admissionregistrationv1.MutatingWebhook]()},
}

// TestCABundlePolicyRendered checks when the policies are rendered and that
// each one is bound with Deny, fails closed, matches only UPDATEs of its
// kind by the release's ServiceAccount and names the release's configuration.
func TestCABundlePolicyRendered(t *testing.T) {
	tests := map[string]struct {
		values map[string]any
		want   bool
	}{
		"self-managed (default)":         {nil, true},
		"self-managed, policy disabled":  {map[string]any{"caBundlePolicy": map[string]any{"enabled": false}}, false},
		"cert-manager (nothing injects)": {modes["cert-manager with the chart's CA chain"], false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := render(t, tc.values)
			var want []string
			if tc.want {
				for n := range caBundlePolicies {
					want = append(want, n)
				}
				slices.Sort(want)
			}
			if got := m.names("ValidatingAdmissionPolicy"); !slices.Equal(got, want) {
				t.Errorf("ValidatingAdmissionPolicies = %v, want %v", got, want)
			}
			if got := m.names("ValidatingAdmissionPolicyBinding"); !slices.Equal(got, want) {
				t.Errorf("ValidatingAdmissionPolicyBindings = %v, want %v", got, want)
			}
		})
	}

	m := render(t, nil)
	sa := "system:serviceaccount:" + namespace + ":" + fullname
	for name, p := range caBundlePolicies {
		var vap admissionregistrationv1.ValidatingAdmissionPolicy
		decodeInto(t, m, "ValidatingAdmissionPolicy", name, &vap)
		var b admissionregistrationv1.ValidatingAdmissionPolicyBinding
		decodeInto(t, m, "ValidatingAdmissionPolicyBinding", name, &b)
		if b.Spec.PolicyName != name || !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}) ||
			b.Spec.ParamRef != nil || b.Spec.MatchResources != nil {
			t.Errorf("binding %s: %+v, want policy %s, [Deny], no params or extra match", name, b.Spec, name)
		}
		s := vap.Spec
		if s.FailurePolicy == nil || *s.FailurePolicy != admissionregistrationv1.Fail {
			t.Errorf("%s: failurePolicy %v, want Fail", name, s.FailurePolicy)
		}
		if s.ParamKind != nil {
			t.Errorf("%s: paramKind %+v, want none", name, s.ParamKind)
		}
		rules := s.MatchConstraints.ResourceRules
		if len(rules) != 1 || !slices.Equal(rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Update}) ||
			!slices.Equal(rules[0].Resources, []string{p.resource}) || !slices.Equal(rules[0].APIGroups, []string{"admissionregistration.k8s.io"}) {
			t.Errorf("%s: matchConstraints %+v, want UPDATE of %s", name, rules, p.resource)
		}
		if mc := s.MatchConditions; len(mc) != 1 || mc[0].Expression != "request.userInfo.username == '"+sa+"'" {
			t.Errorf("%s: matchConditions %+v, want only the ServiceAccount %s", name, mc, sa)
		}
		if len(s.Validations) == 0 || s.Validations[0].Expression != "object.metadata.name == '"+fullname+"'" {
			t.Errorf("%s: the first validation must confine the ServiceAccount to %s: %+v", name, fullname, s.Validations)
		}
		for _, v := range s.Validations {
			if v.Message == "" || !strings.Contains(v.Message, sa) {
				t.Errorf("%s: validation %q has no message naming the ServiceAccount", name, v.Expression)
			}
		}
	}
}

// TestCABundlePolicyComparesEveryField checks, against the admissionregistration
// v1 types this module builds with, that the policies compare every field of
// a webhook and of its clientConfig except caBundle, and the metadata a
// ServiceAccount could abuse. A field added by a newer API fails here until
// the template compares it too.
func TestCABundlePolicyComparesEveryField(t *testing.T) {
	m := render(t, nil)
	clientConfig := jsonFields(reflect.TypeFor[admissionregistrationv1.WebhookClientConfig]())
	for name, p := range caBundlePolicies {
		var vap admissionregistrationv1.ValidatingAdmissionPolicy
		decodeInto(t, m, "ValidatingAdmissionPolicy", name, &vap)
		var all strings.Builder
		for _, v := range vap.Spec.Validations {
			all.WriteString(v.Expression + "\n")
		}
		expr := all.String()
		compares := func(a, b, field string) bool {
			return strings.Contains(expr, "has("+a+"."+field+") == has("+b+"."+field+")") &&
				strings.Contains(expr, a+"."+field+" == "+b+"."+field)
		}
		for _, f := range jsonFields(p.webhook) {
			switch f {
			case "name": // matched, in order, by the list of names
				if !strings.Contains(expr, "object.webhooks.map(w, w.name) : []) ==") ||
					!strings.Contains(expr, "oldObject.webhooks.map(w, w.name) : [])") || !strings.Contains(expr, "o.name == w.name") {
					t.Errorf("%s: webhook names and their order are not compared", name)
				}
			case "clientConfig":
				for _, cf := range clientConfig {
					if cf == "caBundle" {
						if strings.Contains(expr, "caBundle") {
							t.Errorf("%s: caBundle must be the one field left free", name)
						}
						continue
					}
					if !compares("w", "o", "clientConfig."+cf) {
						t.Errorf("%s: clientConfig.%s is not compared", name, cf)
					}
				}
			default:
				if !compares("w", "o", f) {
					t.Errorf("%s: webhook field %s is not compared", name, f)
				}
			}
		}
		for _, f := range []string{"labels", "annotations", "finalizers", "ownerReferences"} {
			if !compares("object", "oldObject", "metadata."+f) {
				t.Errorf("%s: metadata.%s is not compared", name, f)
			}
		}
	}
}

// jsonFields returns the JSON names of the struct type's fields.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
