package policy

import (
	"testing"

	securityapi "istio.io/api/security/v1beta1"
)

func TestIGR101(t *testing.T) {
	rules1Run(t, ruleIGR101(), KindPeerAuthentication, []rules1Case{
		{desc: "mesh-wide STRICT is fine", namespace: "istio-system", spec: `mtls: {mode: STRICT}`},
		{desc: "mesh-wide PERMISSIVE is denied", namespace: "istio-system",
			spec: `mtls: {mode: PERMISSIVE}`, want: []string{"spec.mtls.mode"}},
		{desc: "mesh-wide DISABLE is denied", namespace: "istio-system",
			spec: `mtls: {mode: DISABLE}`, want: []string{"spec.mtls.mode"}},
		{desc: "mesh-wide UNSET means PERMISSIVE", namespace: "istio-system",
			spec: `mtls: {mode: UNSET}`, want: []string{"spec.mtls.mode"}},
		{desc: "mesh-wide without mtls means PERMISSIVE", namespace: "istio-system",
			spec: ``, want: []string{"spec.mtls"}},
		{desc: "mesh-wide with empty mtls means PERMISSIVE", namespace: "istio-system",
			spec: `mtls: {}`, want: []string{"spec.mtls.mode"}},
		{desc: "empty selector in root namespace is still mesh-wide", namespace: "istio-system",
			spec: "selector: {matchLabels: {}}\nmtls: {}", want: []string{"spec.mtls.mode"}},
		{desc: "workload policy in root namespace may inherit", namespace: "istio-system",
			spec: "selector: {matchLabels: {app: istiod}}\nmtls: {}"},
		{desc: "workload policy in root namespace PERMISSIVE is denied", namespace: "istio-system",
			spec: "selector: {matchLabels: {app: x}}\nmtls: {mode: PERMISSIVE}", want: []string{"spec.mtls.mode"}},
		{desc: "namespace policy UNSET inherits", namespace: "apps", spec: `mtls: {mode: UNSET}`},
		{desc: "namespace policy without mtls inherits", namespace: "apps", spec: ``},
		{desc: "namespace policy PERMISSIVE is denied", namespace: "apps",
			spec: `mtls: {mode: PERMISSIVE}`, want: []string{"spec.mtls.mode"}},
		{desc: "workload policy DISABLE is denied", namespace: "apps",
			spec: "selector: {matchLabels: {app: web}}\nmtls: {mode: DISABLE}", want: []string{"spec.mtls.mode"}},
		{desc: "custom root namespace makes its policy mesh-wide", namespace: "mesh-root",
			params: Params{paramRootNamespace: "mesh-root"}, spec: ``, want: []string{"spec.mtls"}},
		{desc: "istio-system is not mesh-wide under a custom root namespace", namespace: "istio-system",
			params: Params{paramRootNamespace: "mesh-root"}, spec: ``},
		{desc: "port-level modes are left to IGR102", namespace: "apps",
			spec: "selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\nportLevelMtls: {\"80\": {mode: DISABLE}}"},
	})
}

func TestIGR101Action(t *testing.T) {
	obj := rules1Object(t, KindPeerAuthentication, "istio-system", `mtls: {mode: PERMISSIVE}`)
	got := rules1Actions(t, obj, "IGR101")
	if got["spec.mtls.mode"] != ActionDeny {
		t.Errorf("IGR101 action = %v, want deny on spec.mtls.mode", got)
	}
}

func TestIGR101Nil(t *testing.T) {
	rules1Nil(t, ruleIGR101(), KindPeerAuthentication, (*securityapi.PeerAuthentication)(nil))
}
