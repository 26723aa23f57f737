package policy

import "testing"

func TestIGR501(t *testing.T) {
	runRuleCases(t, ruleIGR501(), sidecarObject, map[string]r2Case{
		"hit: */* egress host": {
			spec: `egress: [{hosts: ["./*", "*/*"]}]`,
			want: []string{"spec.egress[0].hosts[1]"},
		},
		"hit: */* in the second egress listener": {
			spec: `egress:
- {port: {number: 9080, protocol: HTTP, name: http}, hosts: ["./*"]}
- {hosts: ["istio-system/*", "*/*"]}`,
			want: []string{"spec.egress[1].hosts[1]"},
		},
		"hit: no egress listener defaults to */*": {
			spec: `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`,
			want: []string{"spec.egress"},
		},
		"miss: namespaces and hosts listed": {
			spec: `egress: [{hosts: ["./*", "istio-system/*", "payments/api.payments.svc.cluster.local", "*/api.example.com"]}]`,
		},
	})
}

func TestIGR501MissingEgressIsAdvisory(t *testing.T) {
	vs := runRule(t, ruleIGR501(), sidecarObject(t, `ingress: [{port: {number: 9080, protocol: HTTP, name: http}}]`), nil)
	if len(vs) != 1 || !vs[0].Advisory {
		t.Fatalf("want one advisory violation, got %+v", vs)
	}
}
