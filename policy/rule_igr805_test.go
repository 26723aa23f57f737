package policy

import "testing"

func TestIGR805(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	runClusterTable(t, ruleIGR805(), map[string]clusterCase{
		"a NetworkPolicy in the namespace":      {docs: []string{shop, netpolDoc("shop")}},
		"namespaces outside the mesh need none": {docs: []string{nsDoc("tools")}},
		"no NetworkPolicy": {docs: []string{shop, nsDoc("canary", "istio.io/rev", "canary"), netpolDoc("other")},
			want: []string{"Namespace shop metadata.labels[istio-injection]", "Namespace canary metadata.labels[istio.io/rev]"}},
		"a partial input is not judged": {partial: true, docs: []string{shop}},
	})
}
