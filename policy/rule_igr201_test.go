package policy

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
)

func TestIGR201(t *testing.T) {
	rules1Run(t, ruleIGR201(), KindDestinationRule, []rules1Case{
		{desc: "no tls uses auto mTLS", spec: `host: web.apps.svc.cluster.local`},
		{desc: "ISTIO_MUTUAL is fine", spec: `{host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`},
		{desc: "SIMPLE is fine", spec: `{host: api.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}`},
		{desc: "top-level DISABLE is denied", spec: `{host: web, trafficPolicy: {tls: {mode: DISABLE}}}`,
			want: []string{"spec.trafficPolicy.tls.mode"}},
		{desc: "tls without mode is DISABLE", spec: `{host: web, trafficPolicy: {tls: {sni: web}}}`,
			want: []string{"spec.trafficPolicy.tls.mode"}},
		{desc: "port-level DISABLE under a safe top level is denied", spec: `
host: web
trafficPolicy:
  tls: {mode: ISTIO_MUTUAL}
  portLevelSettings:
  - {port: {number: 80}, tls: {mode: ISTIO_MUTUAL}}
  - {port: {number: 8080}, tls: {mode: DISABLE}}`,
			want: []string{"spec.trafficPolicy.portLevelSettings[1].tls.mode"}},
		{desc: "port-level without tls inherits", spec: `
host: web
trafficPolicy: {portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]}`},
		{desc: "subset DISABLE is denied", spec: `
host: web
subsets:
- {name: v1, labels: {version: v1}}
- {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: DISABLE}}}`,
			want: []string{"spec.subsets[1].trafficPolicy.tls.mode"}},
		{desc: "subset port-level DISABLE is denied", spec: `
host: web
subsets:
- name: v1
  labels: {version: v1}
  trafficPolicy: {portLevelSettings: [{port: {number: 9000}, tls: {mode: DISABLE}}]}`,
			want: []string{"spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode"}},
		{desc: "every hiding place is reported in document order", spec: `
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
	obj := rules1Object(t, KindDestinationRule, "apps", `{host: web, trafficPolicy: {tls: {mode: DISABLE}}}`)
	got := rules1Actions(t, obj, "IGR201")
	if got["spec.trafficPolicy.tls.mode"] != ActionDeny {
		t.Errorf("IGR201 actions = %v, want deny on spec.trafficPolicy.tls.mode", got)
	}
}

func TestIGR201Nil(t *testing.T) {
	rules1Nil(t, ruleIGR201(), KindDestinationRule, (*networkingapi.DestinationRule)(nil))
}
