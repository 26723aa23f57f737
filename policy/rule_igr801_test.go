package policy

import "testing"

func TestIGR801(t *testing.T) {
	runClusterTable(t, ruleIGR801(), map[string]clusterCase{
		"mesh-wide STRICT policy passes": {docs: []string{nsDoc("istio-system"), meshStrict}},
		"mesh-wide STRICT policy with an empty selector passes": {docs: []string{
			paDoc("istio-system", "default", 0, "selector:\n  matchLabels: {}\n"+strictSpecYAML)}},
		"mesh-wide STRICT policy in a custom root namespace passes": {
			docs:   []string{paDoc("mesh-root", "default", 0, strictSpecYAML)},
			params: paramsWith(func(p *RootNamespaceParams) { p.RootNamespace = "mesh-root" })},
		"no policy at all is reported on the root namespace": {
			docs: []string{nsDoc("istio-system")},
			want: []string{"Namespace istio-system metadata.name"}},
		"a STRICT policy with a selector is not mesh-wide": {
			docs: []string{paDoc("istio-system", "gw", 0, "selector:\n  matchLabels:\n    app: gw\n"+strictSpecYAML)},
			want: []string{"Namespace istio-system metadata.name"}},
		"a STRICT policy outside the root namespace is not mesh-wide": {
			docs: []string{paDoc("shop", "default", 0, strictSpecYAML)},
			want: []string{"Namespace istio-system metadata.name"}},
		"a PERMISSIVE mesh-wide policy is reported on itself": {
			docs: []string{paDoc("istio-system", "default", 0, permissiveSpecYAML)},
			want: []string{"PeerAuthentication istio-system/default spec.mtls.mode"}},
		"an UNSET mesh-wide policy means PERMISSIVE": {
			docs: []string{paDoc("istio-system", "default", 0, "mtls: {}\n")},
			want: []string{"PeerAuthentication istio-system/default spec.mtls.mode"}},
		"an older PERMISSIVE policy beats a newer STRICT one": {
			docs: []string{paDoc("istio-system", "zz-old", 1, permissiveSpecYAML), paDoc("istio-system", "aa-new", 5, strictSpecYAML)},
			want: []string{"PeerAuthentication istio-system/zz-old spec.mtls.mode"}},
		"an older STRICT policy beats a newer PERMISSIVE one": {
			docs: []string{paDoc("istio-system", "zz-old", 1, strictSpecYAML), paDoc("istio-system", "aa-new", 5, permissiveSpecYAML)}},
		"same age: the name decides": {
			docs: []string{paDoc("istio-system", "a", 1, strictSpecYAML), paDoc("istio-system", "b", 1, permissiveSpecYAML)}},
		"a partial input is not judged": {partial: true, docs: []string{nsDoc("istio-system")}},
	})
}
