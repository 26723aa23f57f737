package policy

import "testing"

func TestIGR709(t *testing.T) {
	const patch = `configPatches: [{applyTo: HTTP_FILTER, patch: {operation: INSERT_BEFORE, value: {name: envoy.lua}}}]`
	runRuleTable(t, ruleIGR709(), map[string]ruleCase{
		"hit: EnvoyFilter for every proxy": {kind: KindEnvoyFilter, namespace: "istio-system",
			doc: `{` + patch + `}`, want: []string{"spec.workloadSelector"},
		},
		"hit: WasmPlugin for every proxy": {kind: KindWasmPlugin, namespace: "istio-system",
			doc: `{url: "oci://ghcr.io/acme/f:1"}`, want: []string{"spec.selector"},
		},
		"hit: root namespace is a parameter": {kind: KindWasmPlugin, namespace: "mesh-root",
			params: paramsWith(func(p *MeshRootParams) { p.RootNamespace = "mesh-root" }),
			doc:    `{url: "oci://ghcr.io/acme/f:1"}`, want: []string{"spec.selector"},
		},
		"miss: EnvoyFilter scoped by selector or targetRefs": {kind: KindEnvoyFilter, namespace: "istio-system",
			doc: `{workloadSelector: {labels: {istio: ingressgateway}}, ` + patch + `}`,
		},
		"miss: EnvoyFilter by targetRefs": {kind: KindEnvoyFilter, namespace: "istio-system",
			doc: `{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: public}], ` + patch + `}`,
		},
		"miss: WasmPlugin scoped by selector, targetRefs or targetRef": {kind: KindWasmPlugin, namespace: "istio-system",
			doc: `{url: "oci://ghcr.io/acme/f:1", selector: {matchLabels: {istio: ingressgateway}}}`,
		},
		"miss: WasmPlugin by targetRef": {kind: KindWasmPlugin, namespace: "istio-system",
			doc: `{url: "oci://ghcr.io/acme/f:1", targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: public}}`,
		},
		"miss: namespace-wide in an application namespace": {kind: KindEnvoyFilter, doc: `{` + patch + `}`},
	})
	checkRuleNil(t, ruleIGR709())
}
