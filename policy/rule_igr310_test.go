package policy

import "testing"

func TestIGR310(t *testing.T) {
	runRuleTable(t, ruleIGR310(), map[string]ruleCase{
		"hit: TLD and shared-hosting wildcards": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: a, port: 80, protocol: HTTP, hostname: "*.com"}
  - {name: b, port: 443, protocol: HTTPS, hostname: "*.co.uk", tls: {certificateRefs: [{name: c}]}}
  - {name: c, port: 8080, protocol: HTTP, hostname: "*.github.io"}`),
			want: []string{"spec.listeners[0].hostname", "spec.listeners[1].hostname", "spec.listeners[2].hostname"},
		},
		"hit: ListenerSet": {kind: KindListenerSet,
			doc:  lsDoc(`  - {name: a, port: 80, protocol: HTTP, hostname: "*.io"}`),
			want: []string{"spec.listeners[0].hostname"},
		},
		"miss: names and wildcards under a domain, or no hostname": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: a, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: b, port: 81, protocol: HTTP, hostname: app.example.co.uk}
  - {name: c, port: 82, protocol: HTTP}`),
		},
	})
}
