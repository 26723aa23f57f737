package policy

import (
	"strings"
	"testing"
)

func TestIGR807(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	optOut := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: batch\n  namespace: shop\n  annotations:\n    sidecar.istio.io/inject: \"false\"\n" +
		"spec:\n  containers:\n  - name: app\n    image: app\nstatus:\n  phase: Running\n"
	optOutLabel := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: batch\n  namespace: shop\n  labels:\n    sidecar.istio.io/inject: \"false\"\n" +
		"spec:\n  containers:\n  - name: app\n    image: app\n"
	hostNet := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  namespace: shop\nspec:\n  hostNetwork: true\n  containers:\n  - name: app\n    image: app\n"
	native := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: native\n  namespace: shop\nspec:\n  initContainers:\n  - name: istio-proxy\n    image: proxyv2\n" +
		"    restartPolicy: Always\n  containers:\n  - name: app\n    image: app\n"
	invalidOptOut := strings.Replace(optOut, `"false"`, `"False"`, 1)
	runClusterTable(t, ruleIGR807(), map[string]clusterCase{
		"injected pod":                         {docs: []string{shop, runningPodDoc("shop", "web", true)}},
		"native sidecar":                       {docs: []string{shop, native}},
		"pod opting out by annotation":         {docs: []string{shop, optOut}},
		"pod opting out by label":              {docs: []string{shop, optOutLabel}},
		"host network pods are never injected": {docs: []string{shop, hostNet}},
		"namespace without injection":          {docs: []string{nsDoc("tools"), runningPodDoc("tools", "x", false)}},
		"ambient namespace has no sidecars":    {docs: []string{nsDoc("amb", "istio.io/dataplane-mode", "ambient", "istio.io/rev", "x"), runningPodDoc("amb", "x", false)}},
		"unknown namespace":                    {docs: []string{runningPodDoc("ghost", "x", false)}},
		"pod created before the label": {docs: []string{shop, runningPodDoc("shop", "old", false)},
			want: []string{"Pod shop/old spec.containers"}},
		"revision-labelled namespace": {docs: []string{nsDoc("canary", "istio.io/rev", "1-31"), runningPodDoc("canary", "old", false)},
			want: []string{"Pod canary/old spec.containers"}},
		"an opt-out Istio does not read (\"False\")": {docs: []string{shop, invalidOptOut},
			want: []string{"Pod shop/batch spec.containers"}},
		"a partial input is not judged": {partial: true, docs: []string{shop, runningPodDoc("shop", "old", false)}},
	})
}
