package policy

import "testing"

func TestIGR101(t *testing.T) {
	runRuleTable(t, ruleIGR101(), map[string]ruleCase{
		"mesh-wide STRICT is fine": {namespace: "istio-system", doc: `mtls: {mode: STRICT}`},
		"mesh-wide PERMISSIVE is denied": {namespace: "istio-system",
			doc: `mtls: {mode: PERMISSIVE}`, want: []string{"spec.mtls.mode"}},
		"mesh-wide DISABLE is denied": {namespace: "istio-system",
			doc: `mtls: {mode: DISABLE}`, want: []string{"spec.mtls.mode"}},
		"mesh-wide UNSET means PERMISSIVE": {namespace: "istio-system",
			doc: `mtls: {mode: UNSET}`, want: []string{"spec.mtls.mode"}},
		"mesh-wide without mtls means PERMISSIVE": {namespace: "istio-system",
			doc: ``, want: []string{"spec.mtls"}},
		"mesh-wide with empty mtls means PERMISSIVE": {namespace: "istio-system",
			doc: `mtls: {}`, want: []string{"spec.mtls.mode"}},
		"empty selector in root namespace is still mesh-wide": {namespace: "istio-system",
			doc: "selector: {matchLabels: {}}\nmtls: {}", want: []string{"spec.mtls.mode"}},
		"workload policy in root namespace may inherit": {namespace: "istio-system",
			doc: "selector: {matchLabels: {app: istiod}}\nmtls: {}"},
		"workload policy in root namespace PERMISSIVE is denied": {namespace: "istio-system",
			doc: "selector: {matchLabels: {app: x}}\nmtls: {mode: PERMISSIVE}", want: []string{"spec.mtls.mode"}},
		"namespace policy UNSET inherits":        {namespace: "apps", doc: `mtls: {mode: UNSET}`},
		"namespace policy without mtls inherits": {namespace: "apps", doc: ``},
		"namespace policy PERMISSIVE is denied": {namespace: "apps",
			doc: `mtls: {mode: PERMISSIVE}`, want: []string{"spec.mtls.mode"}},
		"workload policy DISABLE is denied": {namespace: "apps",
			doc: "selector: {matchLabels: {app: web}}\nmtls: {mode: DISABLE}", want: []string{"spec.mtls.mode"}},
		"custom root namespace makes its policy mesh-wide": {namespace: "mesh-root",
			params: paramsWith(func(p *IGR101Params) { p.RootNamespace = "mesh-root" }), doc: ``, want: []string{"spec.mtls"}},
		"istio-system is not mesh-wide under a custom root namespace": {namespace: "istio-system",
			params: paramsWith(func(p *IGR101Params) { p.RootNamespace = "mesh-root" }), doc: ``},
		"port-level modes are left to IGR102": {namespace: "apps",
			doc: "selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\nportLevelMtls: {\"80\": {mode: DISABLE}}"},
	})
}

func TestIGR101Action(t *testing.T) {
	obj := testObject(t, KindPeerAuthentication, `mtls: {mode: PERMISSIVE}`)
	obj.Meta.Namespace = "istio-system"
	got := engineActions(t, obj, "IGR101")
	if got["spec.mtls.mode"] != ActionDeny {
		t.Errorf("IGR101 action = %v, want deny on spec.mtls.mode", got)
	}
}

func TestIGR101Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR101())
}
