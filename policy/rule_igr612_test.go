package policy

import "testing"

func TestIGR612(t *testing.T) {
	runRuleTable(t, ruleIGR612(), map[string]ruleCase{
		"hit: istiooperator enabled by default": {
			kind: KindIstioOperator, doc: `spec: {values: {sidecarInjectorWebhook: {enableNamespacesByDefault: true}}}`,
			want: []string{"spec.values.sidecarInjectorWebhook.enableNamespacesByDefault"},
		},
		"miss: istiooperator unset": {kind: KindIstioOperator, doc: `spec: {}`},
		"hit: istiod values string true": {
			kind: KindIstiodValues, doc: `{sidecarInjectorWebhook: {enableNamespacesByDefault: "true"}}`,
			want: []string{"sidecarInjectorWebhook.enableNamespacesByDefault"},
		},
		"hit: istiod values string false is true to Helm's if": {
			kind: KindIstiodValues, doc: `{sidecarInjectorWebhook: {enableNamespacesByDefault: "false"}}`,
			want: []string{"sidecarInjectorWebhook.enableNamespacesByDefault"},
		},
		"miss: YAML 1.1 no is false": {
			kind: KindIstiodValues, doc: "sidecarInjectorWebhook: {enableNamespacesByDefault: no}\n",
		},
		"miss: istiod values false": {
			kind: KindIstiodValues, doc: `{sidecarInjectorWebhook: {enableNamespacesByDefault: false}}`,
		},
	})
}
