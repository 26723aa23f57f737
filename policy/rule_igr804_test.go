package policy

import "testing"

func TestIGR804(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	runClusterTable(t, ruleIGR804(), map[string]clusterCase{
		"allow-nothing spec {}":          {docs: []string{shop, apDoc("shop", "deny-all", "")}},
		"explicit ALLOW with no rules":   {docs: []string{shop, apDoc("shop", "deny-all", "action: ALLOW\n")}},
		"DENY with an empty rule":        {docs: []string{shop, apDoc("shop", "deny-all", "action: DENY\nrules:\n- {}\n")}},
		"empty selector applies to all":  {docs: []string{shop, apDoc("shop", "deny-all", "selector:\n  matchLabels: {}\n")}},
		"a root-namespace allow-nothing": {docs: []string{shop, apDoc("istio-system", "deny-all", "")}},
		"custom root namespace": {docs: []string{shop, apDoc("mesh-root", "deny-all", "")},
			params: paramsWith(func(p *RootNamespaceParams) { p.RootNamespace = "mesh-root" })},
		"namespaces outside the mesh need none": {docs: []string{nsDoc("tools"), nsDoc("off", "istio-injection", "disabled")}},
		"no policy": {docs: []string{shop, nsDoc("amb", "istio.io/dataplane-mode", "ambient")},
			want: []string{"Namespace shop metadata.labels[istio-injection]", "Namespace amb metadata.labels[istio.io/dataplane-mode]"}},
		"ALLOW with a rule allows something": {docs: []string{shop, apDoc("shop", "allow", "rules:\n- from:\n  - source:\n      namespaces: [shop]\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"ALLOW with an empty rule allows everything": {docs: []string{shop, apDoc("shop", "allow-all", "rules:\n- {}\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"DENY without rules denies nothing": {docs: []string{shop, apDoc("shop", "deny", "action: DENY\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"DENY of some requests only": {docs: []string{shop, apDoc("shop", "deny", "action: DENY\nrules:\n- to:\n  - operation:\n      methods: [DELETE]\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"a selector covers only some workloads": {docs: []string{shop, apDoc("shop", "deny", "selector:\n  matchLabels:\n    app: web\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"targetRefs apply to a gateway, not the workloads": {docs: []string{shop,
			apDoc("shop", "gw", "targetRefs:\n- kind: Gateway\n  group: gateway.networking.k8s.io\n  name: gw\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"AUDIT does not deny": {docs: []string{shop, apDoc("shop", "audit", "action: AUDIT\nrules:\n- {}\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"another namespace's policy does not count": {docs: []string{shop, apDoc("other", "deny-all", "")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"a partial input is not judged": {partial: true, docs: []string{shop}},
	})
}
