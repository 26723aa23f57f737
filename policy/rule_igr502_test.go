package policy

import "testing"

func TestIGR502(t *testing.T) {
	runRuleCases(t, ruleIGR502(), sidecarObject, map[string]r2Case{
		"hit: ALLOW_ANY": {
			spec: `{egress: [{hosts: ["./*"]}], outboundTrafficPolicy: {mode: ALLOW_ANY}}`,
			want: []string{"spec.outboundTrafficPolicy.mode"},
		},
		"hit: ALLOW_ANY through an egress proxy": {
			spec: `outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: egress.istio-system.svc.cluster.local}}`,
			want: []string{"spec.outboundTrafficPolicy.mode"},
		},
		"miss: REGISTRY_ONLY":                 {spec: `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`},
		"miss: unset inherits the mesh value": {spec: `egress: [{hosts: ["./*"]}]`},
	})
}
