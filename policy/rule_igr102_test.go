package policy

import (
	"testing"

	securityapi "istio.io/api/security/v1beta1"
)

func TestIGR102(t *testing.T) {
	const sel = "selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\n"
	rules1Run(t, ruleIGR102(), KindPeerAuthentication, []rules1Case{
		{desc: "no port-level mTLS", spec: sel},
		{desc: "STRICT and UNSET ports are fine", spec: sel + `portLevelMtls: {"8080": {mode: STRICT}, "9090": {mode: UNSET}}`},
		{desc: "PERMISSIVE port under STRICT top level is denied", spec: sel + `portLevelMtls: {"8080": {mode: PERMISSIVE}}`,
			want: []string{"spec.portLevelMtls[8080].mode"}},
		{desc: "DISABLE port is denied", spec: sel + `portLevelMtls: {"15021": {mode: DISABLE}}`,
			want: []string{"spec.portLevelMtls[15021].mode"}},
		{desc: "empty entry means UNSET and inherits", spec: sel + `portLevelMtls: {"8080": {}}`},
		{desc: "weak ports reported in numeric order", spec: sel +
			`portLevelMtls: {"9000": {mode: DISABLE}, "80": {mode: PERMISSIVE}, "443": {mode: STRICT}, "1000": {mode: DISABLE}}`,
			want: []string{"spec.portLevelMtls[80].mode", "spec.portLevelMtls[1000].mode", "spec.portLevelMtls[9000].mode"}},
		{desc: "checked even without a selector", spec: `portLevelMtls: {"8080": {mode: PERMISSIVE}}`,
			want: []string{"spec.portLevelMtls[8080].mode"}},
		{desc: "top-level mode is left to IGR101", spec: `mtls: {mode: DISABLE}`},
	})
}

func TestIGR102Action(t *testing.T) {
	obj := rules1Object(t, KindPeerAuthentication, "apps",
		"selector: {matchLabels: {app: web}}\nportLevelMtls: {\"8080\": {mode: PERMISSIVE}}")
	got := rules1Actions(t, obj, "IGR102")
	if got["spec.portLevelMtls[8080].mode"] != ActionDeny {
		t.Errorf("IGR102 actions = %v, want deny on spec.portLevelMtls[8080].mode", got)
	}
}

func TestIGR102Nil(t *testing.T) {
	rules1Nil(t, ruleIGR102(), KindPeerAuthentication, (*securityapi.PeerAuthentication)(nil))
}
