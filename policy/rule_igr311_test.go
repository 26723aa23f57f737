package policy

import "testing"

func TestIGR311(t *testing.T) {
	runRuleTable(t, ruleIGR311(), map[string]ruleCase{
		"hit: passthrough listener": {kind: KindGatewayAPIGateway,
			doc:  gwDoc(`  - {name: pass, port: 443, protocol: TLS, hostname: db.example.com, tls: {mode: Passthrough}}`),
			want: []string{"spec.listeners[0].tls.mode"},
		},
		"hit: auto-passthrough on an east-west gateway": {kind: KindGatewayAPIGateway,
			doc: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eastwest, namespace: istio-system, labels: {topology.istio.io/network: net1}}
spec:
  gatewayClassName: istio-east-west
  listeners:
  - {name: cross-network, port: 15443, protocol: TLS, tls: {mode: Passthrough, options: {gateway.istio.io/listener-protocol: auto-passthrough}}}`,
			want: []string{"spec.listeners[0].tls.mode"},
		},
		"hit: ListenerSet passthrough": {kind: KindListenerSet,
			doc:  lsDoc(`  - {name: pass, port: 8443, protocol: TLS, tls: {mode: Passthrough}}`),
			want: []string{"spec.listeners[0].tls.mode"},
		},
		"miss: terminating listeners": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
  - {name: tls, port: 8443, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: c}]}}`),
		},
	})
}
