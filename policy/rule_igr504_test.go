package policy

import "testing"

func TestIGR504(t *testing.T) {
	const se = `hosts: [api.example.com]
resolution: DNS
ports: [{number: 443, name: tls, protocol: TLS}]
`
	runRuleTable(t, ruleIGR504(), map[string]ruleCase{
		"hit: exported everywhere from an application namespace": {
			doc: se + `exportTo: ["*"]`, want: []string{"spec.exportTo[0]"},
		},
		"hit: star among other entries": {
			doc: se + `exportTo: [".", "*"]`, want: []string{"spec.exportTo[1]"},
		},
		"miss: own namespace only":                        {doc: se + `exportTo: ["."]`},
		"miss: named namespaces":                          {doc: se + `exportTo: [team-b, istio-system]`},
		"miss: exportTo omitted follows the mesh default": {doc: se},
		"miss: shared namespace may export everywhere": {
			doc: se + `exportTo: ["*"]`, namespace: "istio-system",
		},
		"miss: shared namespaces are a parameter": {
			doc: se + `exportTo: ["*"]`, namespace: "egress", params: paramsWith(func(p *IGR504Params) { p.SharedNamespaces = []string{"egress"} }),
		},
	})
	checkRuleNil(t, ruleIGR504())
}
