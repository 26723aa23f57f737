package policy

import (
	"strings"
	"testing"
)

// injectedBy is a running injected pod whose status names revision rev.
func injectedBy(ns, name, rev string) string {
	return strings.Replace(runningPodDoc(ns, name, true), "spec:\n",
		"  annotations:\n    sidecar.istio.io/status: '{\"containers\":[\"istio-proxy\"],\"revision\":\""+rev+"\"}'\nspec:\n", 1)
}

func TestIGR808(t *testing.T) {
	def := injectorDoc("istio-sidecar-injector", "default", "")
	canary := injectorDoc("istio-sidecar-injector-1-31", "1-31", "")
	prodTag := injectorDoc("istio-revision-tag-prod", "1-31", "prod")
	runClusterTable(t, ruleIGR808(), map[string]clusterCase{
		"same revision":                  {docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-31"), injectedBy("shop", "p", "1-31")}},
		"tag resolves to the revision":   {docs: []string{prodTag, nsDoc("shop", "istio.io/rev", "prod"), injectedBy("shop", "p", "1-31")}},
		"legacy label, default revision": {docs: []string{def, nsDoc("shop", "istio-injection", "enabled"), injectedBy("shop", "p", "default")}},
		"default tag moved, pod already on it": {docs: []string{injectorDoc("istio-revision-tag-default", "1-31", "default"),
			nsDoc("shop", "istio-injection", "enabled"), injectedBy("shop", "p", "1-31")}},
		"no status annotation":                 {docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-31"), runningPodDoc("shop", "p", true)}},
		"namespace left the mesh":              {docs: []string{canary, nsDoc("shop"), injectedBy("shop", "p", "1-30")}},
		"namespace names no injector (IGR806)": {docs: []string{nsDoc("shop", "istio.io/rev", "gone"), injectedBy("shop", "p", "1-30")}},
		"namespace relabelled to a new revision": {docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-31"), injectedBy("shop", "p", "1-30")},
			want: []string{"Pod shop/p metadata.annotations[sidecar.istio.io/status]"}},
		"tag moved to a new revision": {docs: []string{prodTag, nsDoc("shop", "istio.io/rev", "prod"), injectedBy("shop", "p", "1-30")},
			want: []string{"Pod shop/p metadata.annotations[sidecar.istio.io/status]"}},
		"default tag moved": {docs: []string{injectorDoc("istio-revision-tag-default", "1-31", "default"),
			nsDoc("shop", "istio-injection", "enabled"), injectedBy("shop", "p", "default")},
			want: []string{"Pod shop/p metadata.annotations[sidecar.istio.io/status]"}},
		"a partial input is not judged": {partial: true, docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-31"), injectedBy("shop", "p", "1-30")}},
	})
}
