package policy

import "testing"

func TestIGR613(t *testing.T) {
	runRuleTable(t, ruleIGR613(), map[string]ruleCase{
		"miss: istiooperator defaults": {kind: KindIstioOperator, doc: `spec: {}`},
		"hit: istiooperator istiod debug scope": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {logging: {level: "default:info,ads:debug"}}}}`,
			want: []string{"spec.values.global.logging.level"},
		},
		"hit: istiooperator proxy trace": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {proxy: {logLevel: trace}}}}`,
			want: []string{"spec.values.global.proxy.logLevel"},
		},
		"hit: istiod values proxy component debug": {
			kind: KindIstiodValues, doc: `{global: {proxy: {componentLogLevel: "misc:error,rbac:debug"}}}`,
			want: []string{"global.proxy.componentLogLevel"},
		},
		"hit: istiod values all three": {
			kind: KindIstiodValues,
			doc:  `{global: {logging: {level: DEBUG}, proxy: {logLevel: debug, componentLogLevel: "upstream:trace"}}}`,
			want: []string{"global.logging.level", "global.proxy.componentLogLevel", "global.proxy.logLevel"},
		},
		"miss: istiod values production levels": {
			kind: KindIstiodValues,
			doc:  `{global: {logging: {level: "default:info"}, proxy: {logLevel: warning, componentLogLevel: "misc:error"}}}`,
		},
		"miss: istiod info level": {
			kind: KindIstiodValues, doc: `{global: {logging: {level: "default:info"}}}`,
		},
	})
}

func TestIGR613IsAWarning(t *testing.T) {
	obj := testObject(t, KindIstiodValues, `{global: {proxy: {logLevel: debug}}}`)
	got := engineFindings(t, nil, obj, "IGR613")
	if want := "IGR613 global.proxy.logLevel warn"; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
}
