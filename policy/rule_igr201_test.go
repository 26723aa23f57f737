package policy

import "testing"

func TestIGR201(t *testing.T) {
	runRuleTable(t, ruleIGR201(), map[string]ruleCase{
		"no tls uses auto mTLS": {doc: `host: web.apps.svc.cluster.local`},
		"ISTIO_MUTUAL is fine":  {doc: `{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`},
		"SIMPLE is fine":        {doc: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}`},
		"top-level DISABLE is denied": {doc: `{host: web, trafficPolicy: {tls: {mode: DISABLE}}}`,
			want: []string{"spec.trafficPolicy.tls.mode"}},
		"tls without mode is DISABLE": {doc: `{host: web, trafficPolicy: {tls: {sni: web}}}`,
			want: []string{"spec.trafficPolicy.tls.mode"}},
		"port-level DISABLE under a safe top level is denied": {doc: `
host: web
trafficPolicy:
  tls: {mode: ISTIO_MUTUAL}
  portLevelSettings:
  - {port: {number: 80}, tls: {mode: ISTIO_MUTUAL}}
  - {port: {number: 8080}, tls: {mode: DISABLE}}`,
			want: []string{"spec.trafficPolicy.portLevelSettings[1].tls.mode"}},
		"port-level without tls inherits": {doc: `
host: web
trafficPolicy: {portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]}`},
		"subset DISABLE is denied": {doc: `
host: web
subsets:
- {name: v1, labels: {version: v1}}
- {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: DISABLE}}}`,
			want: []string{"spec.subsets[1].trafficPolicy.tls.mode"}},
		"subset port-level DISABLE is denied": {doc: `
host: web
subsets:
- name: v1
  labels: {version: v1}
  trafficPolicy: {portLevelSettings: [{port: {number: 9000}, tls: {mode: DISABLE}}]}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode"}},
		"every hiding place is reported in document order": {ordered: true, doc: `
host: web
trafficPolicy:
  tls: {mode: DISABLE}
  portLevelSettings: [{port: {number: 80}, tls: {mode: DISABLE}}]
subsets:
- name: v1
  trafficPolicy:
    tls: {mode: DISABLE}
    portLevelSettings: [{port: {number: 80}, tls: {mode: DISABLE}}]`,
			want: []string{
				"spec.trafficPolicy.tls.mode",
				"spec.trafficPolicy.portLevelSettings[0].tls.mode",
				"spec.subsets[0].trafficPolicy.tls.mode",
				"spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode",
			}},
	})
}

func TestIGR201Action(t *testing.T) {
	obj := testObject(t, KindDestinationRule, `{host: web, trafficPolicy: {tls: {mode: DISABLE}}}`)
	got := engineActions(t, obj, "IGR201")
	if got["spec.trafficPolicy.tls.mode"] != ActionDeny {
		t.Errorf("IGR201 actions = %v, want deny on spec.trafficPolicy.tls.mode", got)
	}
}

func TestIGR201Nil(t *testing.T) {
	checkRuleNil(t, ruleIGR201())
}
