package policy

import "testing"

func TestIGR502(t *testing.T) {
	runRuleTable(t, ruleIGR502(), map[string]ruleCase{
		"hit: ALLOW_ANY": {
			doc:  `{egress: [{hosts: ["./*"]}], outboundTrafficPolicy: {mode: ALLOW_ANY}}`,
			want: []string{"spec.outboundTrafficPolicy.mode"},
		},
		"hit: ALLOW_ANY through an egress proxy": {
			doc:  `outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: egress.istio-system.svc.cluster.local}}`,
			want: []string{"spec.outboundTrafficPolicy.mode"},
		},
		"miss: REGISTRY_ONLY":                 {doc: `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`},
		"miss: unset inherits the mesh value": {doc: `egress: [{hosts: ["./*"]}]`},
	})
}
