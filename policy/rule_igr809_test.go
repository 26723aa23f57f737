package policy

import "testing"

func TestIGR809(t *testing.T) {
	web := runningPodDoc("shop", "web-1", true, "app", "web", "version", "v1")
	sel := func(extra string) string { return "selector:\n  matchLabels:\n    app: web\n" + extra }
	runClusterTable(t, ruleIGR809(), map[string]clusterCase{
		"policies selecting a pod": {docs: []string{web, apDoc("shop", "web", sel("")), paDoc("shop", "web", 0, sel(strictSpecYAML))}},
		"a selector matching a Deployment's template": {docs: []string{deploymentDoc("shop", "api", "api"),
			apDoc("shop", "api", "selector:\n  matchLabels:\n    app: api\n")}},
		"policies without selector": {docs: []string{apDoc("shop", "all", ""), paDoc("shop", "default", 0, strictSpecYAML)}},
		"an empty selector":         {docs: []string{apDoc("shop", "all", "selector:\n  matchLabels: {}\n")}},
		"root-namespace AuthorizationPolicy selects in every namespace": {docs: []string{web, apDoc("istio-system", "web", sel(""))}},
		"targetRefs are not judged":                                     {docs: []string{apDoc("shop", "gw", "targetRefs:\n- kind: Gateway\n  group: gateway.networking.k8s.io\n  name: gw\n")}},
		"selector typo": {docs: []string{web, apDoc("shop", "typo", "selector:\n  matchLabels:\n    app: wbe\n"),
			paDoc("shop", "typo", 0, "selector:\n  matchLabels:\n    app: wbe\n"+strictSpecYAML)},
			want: []string{"AuthorizationPolicy shop/typo spec.selector.matchLabels", "PeerAuthentication shop/typo spec.selector.matchLabels"}},
		"all labels must match": {docs: []string{web, apDoc("shop", "v2", sel("    version: v2\n"))},
			want: []string{"AuthorizationPolicy shop/v2 spec.selector.matchLabels"}},
		"a workload in another namespace does not count": {docs: []string{web, apDoc("other", "web", sel(""))},
			want: []string{"AuthorizationPolicy other/web spec.selector.matchLabels"}},
		"root-namespace AuthorizationPolicy matching nothing anywhere": {docs: []string{web, apDoc("istio-system", "db", "selector:\n  matchLabels:\n    app: db\n")},
			want: []string{"AuthorizationPolicy istio-system/db spec.selector.matchLabels"}},
		"root-namespace PeerAuthentication selector is ignored by Istio": {docs: []string{web, paDoc("istio-system", "web", 0, sel(strictSpecYAML))},
			want: []string{"PeerAuthentication istio-system/web spec.selector.matchLabels"}},
		"a partial input is not judged": {partial: true, docs: []string{apDoc("shop", "typo", "selector:\n  matchLabels:\n    app: wbe\n")}},
	})
}
