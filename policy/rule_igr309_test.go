package policy

import "testing"

func TestIGR309(t *testing.T) {
	runRuleTable(t, ruleIGR309(), map[string]ruleCase{
		"hit: from All, with and without a hostname": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: web, port: 8080, protocol: HTTP, hostname: app.example.com, allowedRoutes: {namespaces: {from: All}}}`),
			want: []string{"spec.listeners[0].allowedRoutes.namespaces.from", "spec.listeners[1].allowedRoutes.namespaces.from"},
		},
		"hit: Selector with an empty selector or none": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {}}}}
  - {name: b, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector}}}`),
			want: []string{"spec.listeners[0].allowedRoutes.namespaces.selector", "spec.listeners[1].allowedRoutes.namespaces.selector"},
		},
		"hit: TCP listener and ListenerSet": {kind: KindListenerSet,
			doc:  lsDoc(`  - {name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}`),
			want: []string{"spec.listeners[0].allowedRoutes.namespaces.from"},
		},
		"miss: a waypoint's HBONE listener open to every namespace": {kind: KindGatewayAPIGateway,
			doc: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: shared}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE, allowedRoutes: {namespaces: {from: All}}}]`,
		},
		"miss: default, Same, and a real selector": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: a, port: 80, protocol: HTTP}
  - {name: b, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
  - {name: c, port: 82, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {gateway-access: web}}}}}
  - {name: d, port: 83, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions: [{key: team, operator: In, values: [a]}]}}}}
  - {name: e, port: 84, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}`),
		},
	})
}
