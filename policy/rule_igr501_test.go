package policy

import "testing"

func TestIGR501(t *testing.T) {
	runRuleTable(t, ruleIGR501(), map[string]ruleCase{
		"hit: */* egress host": {
			doc:  `egress: [{hosts: ["./*", "*/*"]}]`,
			want: []string{"spec.egress[0].hosts[1]"},
		},
		"hit: */* in the second egress listener": {
			doc: `egress:
- {port: {number: 9080, protocol: HTTP, name: http}, hosts: ["./*"]}
- {hosts: ["istio-system/*", "*/*"]}`,
			want: []string{"spec.egress[1].hosts[1]"},
		},
		"hit: no egress listener defaults to */*": {
			doc:  `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`,
			want: []string{"spec.egress (advisory)"},
		},
		"miss: namespaces and hosts listed": {
			doc: `egress: [{hosts: ["./*", "istio-system/*", "payments/api.payments.svc.cluster.local", "*/api.example.com"]}]`,
		},
	})
}

func TestIGR501MissingEgressIsAdvisory(t *testing.T) {
	vs := checkViolations(t, ruleIGR501(), testObject(t, KindSidecar, `ingress: [{port: {number: 9080, protocol: HTTP, name: http}}]`), nil, nil)
	if len(vs) != 1 || !vs[0].Advisory {
		t.Fatalf("want one advisory violation, got %+v", vs)
	}
}
