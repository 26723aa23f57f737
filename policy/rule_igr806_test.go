package policy

import "testing"

func TestIGR806(t *testing.T) {
	def := injectorDoc("istio-sidecar-injector", "default", "")
	canary := injectorDoc("istio-sidecar-injector-1-31", "1-31", "")
	prodTag := injectorDoc("istio-revision-tag-prod", "1-31", "prod")
	runClusterTable(t, ruleIGR806(), map[string]clusterCase{
		"legacy label with the default revision": {docs: []string{def, nsDoc("shop", "istio-injection", "enabled")}},
		"legacy label with a default tag":        {docs: []string{injectorDoc("istio-revision-tag-default", "1-31", "default"), nsDoc("shop", "istio-injection", "enabled")}},
		"revision label naming a revision":       {docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-31")}},
		"revision label naming a tag":            {docs: []string{prodTag, nsDoc("shop", "istio.io/rev", "prod")}},
		"istio-injection decides alone":          {docs: []string{def, nsDoc("shop", "istio-injection", "enabled", "istio.io/rev", "gone")}},
		"disabled namespace names nothing":       {docs: []string{nsDoc("shop", "istio-injection", "disabled")}},
		"a pod's label naming a revision":        {docs: []string{canary, nsDoc("shop"), runningPodDoc("shop", "p", false, "istio.io/rev", "1-31")}},
		"an injected pod keeps its old label":    {docs: []string{canary, nsDoc("shop"), runningPodDoc("shop", "p", true, "istio.io/rev", "1-30")}},
		"legacy label without any injector": {docs: []string{nsDoc("shop", "istio-injection", "enabled")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"revision label naming a removed revision": {docs: []string{canary, nsDoc("shop", "istio.io/rev", "1-30")},
			want: []string{"Namespace shop metadata.labels[istio.io/rev]"}},
		"a tag name is not a revision of a tag webhook's other tag": {docs: []string{prodTag, nsDoc("shop", "istio.io/rev", "1-31")},
			want: []string{"Namespace shop metadata.labels[istio.io/rev]"}},
		"an injector configuration without webhooks injects nothing": {
			docs: []string{"apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: x\n  labels:\n    istio.io/rev: \"1-31\"\n",
				nsDoc("shop", "istio.io/rev", "1-31")},
			want: []string{"Namespace shop metadata.labels[istio.io/rev]"}},
		"a pod's label naming no revision": {docs: []string{canary, nsDoc("shop"), runningPodDoc("shop", "p", false, "istio.io/rev", "1-30")},
			want: []string{"Pod shop/p metadata.labels[istio.io/rev]"}},
		"a partial input is not judged": {partial: true, docs: []string{nsDoc("shop", "istio.io/rev", "1-30")}},
	})
}
