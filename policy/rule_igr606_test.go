package policy

import (
	"strings"
	"testing"
)

// meshConfigMapDoc is a mesh ConfigMap document with the given mesh YAML (indented by indentLines).
func meshConfigMapDoc(ns, name, mesh string) string {
	return "metadata: {namespace: " + ns + ", name: " + name + "}\ndata:\n  mesh: |\n" + indentLines(mesh, "    ")
}

// indentLines prefixes every line of s.
func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix) + "\n"
}

func TestIGR606(t *testing.T) {
	runRuleTable(t, ruleIGR606(), map[string]ruleCase{
		"hit: istiooperator default ALLOW_ANY": {
			kind: KindIstioOperator, doc: `spec: {}`, want: []string{"spec.meshConfig.outboundTrafficPolicy.mode"},
		},
		"hit: istiooperator explicit ALLOW_ANY": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {outboundTrafficPolicy: {mode: ALLOW_ANY}}}`,
			want: []string{"spec.meshConfig.outboundTrafficPolicy.mode"},
		},
		"miss: istiooperator REGISTRY_ONLY": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}`,
		},
		"hit: istiod values default": {kind: KindIstiodValues, doc: `{}`, want: []string{"meshConfig.outboundTrafficPolicy.mode"}},
		"miss: istiod values REGISTRY_ONLY": {
			kind: KindIstiodValues, doc: `{meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}`,
		},
		"hit: mesh configmap ALLOW_ANY": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "outboundTrafficPolicy:\n  mode: ALLOW_ANY"),
			want: []string{"data[mesh].outboundTrafficPolicy.mode"},
		},
		"hit: revisioned mesh configmap without the setting": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio-1-24", "accessLogFile: /dev/stdout"),
			want: []string{"data[mesh].outboundTrafficPolicy.mode"},
		},
		"hit: unparsable mesh configmap": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "outboundTrafficPolicy: [mode"),
			want: []string{"data[mesh]"},
		},
		"hit: istio configmap with the mesh key removed is the defaults (ALLOW_ANY), like mesh: \"\"": {
			kind: KindConfigMap, doc: `{metadata: {namespace: istio-system, name: istio}, data: {meshNetworks: "networks: {}"}}`,
			want: []string{"data[mesh].outboundTrafficPolicy.mode"},
		},
		"hit: istio configmap with an empty mesh key": {
			kind: KindConfigMap, doc: `{metadata: {namespace: istio-system, name: istio}, data: {mesh: ""}}`,
			want: []string{"data[mesh].outboundTrafficPolicy.mode"},
		},
		"hit: a mesh config istiod cannot decode is replaced by the defaults": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\nenableAutoMtls: \"yes\""),
			want: []string{"data[mesh]"},
		},
		"hit: a misspelt enum name rejects the whole config": {
			kind: KindIstiodValues, doc: `{meshConfig: {outboundTrafficPolicy: {mode: REGISTRYONLY}}}`,
			want: []string{"meshConfig"},
		},
		"miss: unknown mesh fields are ignored by istiod, as here": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\nnotAField: 1"),
		},
		"miss: mesh configmap REGISTRY_ONLY": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY"),
		},
		"miss: mesh configmap in another root namespace by parameter": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "{}"), params: paramsWith(func(p *MeshRootParams) { p.RootNamespace = "mesh-root" }),
		},
		"hit: mesh configmap in a custom root namespace": {
			kind: KindConfigMap, doc: meshConfigMapDoc("mesh-root", "istio", "{}"), params: paramsWith(func(p *MeshRootParams) { p.RootNamespace = "mesh-root" }),
			want: []string{"data[mesh].outboundTrafficPolicy.mode"},
		},
		"miss: application configmap named istio elsewhere": {
			kind: KindConfigMap, doc: meshConfigMapDoc("apps", "istio", "{}"),
		},
		"miss: gateway values carry no mesh config": {kind: KindGatewayValues, doc: `{}`},
	})
}
