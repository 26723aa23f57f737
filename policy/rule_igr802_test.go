package policy

import "testing"

func TestIGR802(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	web := runningPodDoc("shop", "web-1", true, "app", "web")
	runClusterTable(t, ruleIGR802(), map[string]clusterCase{
		"mesh STRICT, no override": {docs: []string{shop, meshStrict, web}},
		"namespace STRICT under a PERMISSIVE mesh": {docs: []string{shop, web,
			paDoc("istio-system", "default", 0, permissiveSpecYAML), paDoc("shop", "default", 1, strictSpecYAML)}},
		"namespace UNSET inherits STRICT": {docs: []string{shop, web, meshStrict, paDoc("shop", "default", 1, "mtls: {}\n")}},
		"workload UNSET inherits STRICT, port UNSET inherits": {docs: []string{shop, web, meshStrict,
			paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\nportLevelMtls:\n  8080:\n    mode: UNSET\n")}},
		"namespaces outside the mesh are not judged": {docs: []string{nsDoc("tools"), nsDoc("off", "istio-injection", "disabled"),
			nsDoc("revoff", "istio-injection", "disabled", "istio.io/rev", "canary"), runningPodDoc("tools", "x", false)}},
		"no policy at all: every mesh namespace is PERMISSIVE": {
			docs: []string{shop, nsDoc("canary", "istio.io/rev", "canary"), nsDoc("amb", "istio.io/dataplane-mode", "ambient")},
			want: []string{"Namespace shop metadata.labels[istio-injection]", "Namespace canary metadata.labels[istio.io/rev]",
				"Namespace amb metadata.labels[istio.io/dataplane-mode]"}},
		"namespace PERMISSIVE overrides the mesh": {
			docs: []string{shop, meshStrict, paDoc("shop", "default", 1, permissiveSpecYAML)},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"oldest namespace policy decides": {
			docs: []string{shop, meshStrict, paDoc("shop", "b-old", 1, "mtls:\n  mode: DISABLE\n"), paDoc("shop", "a-new", 2, strictSpecYAML)},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"workload policy PERMISSIVE is reported on the workload": {
			docs: []string{shop, meshStrict, web, runningPodDoc("shop", "web-0", true, "app", "web"),
				paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\n"+permissiveSpecYAML)},
			want: []string{"Pod shop/web-0 metadata.labels"}},
		"workload policy on a Deployment's template": {
			docs: []string{shop, meshStrict, deploymentDoc("shop", "api", "api"),
				paDoc("shop", "api", 1, "selector:\n  matchLabels:\n    app: api\n"+permissiveSpecYAML)},
			want: []string{"Deployment shop/api spec.template.metadata.labels"}},
		"port-level PERMISSIVE under a STRICT workload": {
			docs: []string{shop, meshStrict, web,
				paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\n"+strictSpecYAML+"portLevelMtls:\n  9090:\n    mode: PERMISSIVE\n")},
			want: []string{"Pod shop/web-1 metadata.labels"}},
		"port-level STRICT under a PERMISSIVE namespace: the namespace is reported": {
			docs: []string{shop, web, paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\nportLevelMtls:\n  8080:\n    mode: STRICT\n")},
			want: []string{"Namespace shop metadata.labels[istio-injection]"}},
		"a workload selector in the root namespace is ignored by Istio": {
			docs: []string{shop, web, meshStrict,
				paDoc("istio-system", "web", 1, "selector:\n  matchLabels:\n    app: web\n"+permissiveSpecYAML)}},
		"a workload policy selecting other labels does not apply": {
			docs: []string{shop, web, meshStrict, paDoc("shop", "db", 1, "selector:\n  matchLabels:\n    app: db\n"+permissiveSpecYAML)}},
		"a partial input is not judged": {partial: true, docs: []string{shop}},
	})
}

func deploymentDoc(ns, name, app string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n  selector:\n" +
		"    matchLabels:\n      app: " + app + "\n  template:\n    metadata:\n      labels:\n        app: " + app + "\n" +
		"    spec:\n      containers:\n      - name: app\n        image: app\n"
}
