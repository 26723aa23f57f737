package policy

import "testing"

// gwDoc is a Gateway API Gateway of class istio in namespace apps.
func gwDoc(listeners string) string {
	return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
` + listeners
}

// lsDoc is a ListenerSet in namespace apps attached to Gateway web.
func lsDoc(listeners string) string {
	return `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: extra, namespace: apps}
spec:
  parentRef: {name: web}
  listeners:
` + listeners
}

func TestIGR307(t *testing.T) {
	const cert = `certificateRefs: [{name: web-cert}]`
	runRuleTable(t, ruleIGR307(), map[string]ruleCase{
		"hit: HTTPS listener without tls": {kind: KindGatewayAPIGateway,
			doc:  gwDoc(`  - {name: https, port: 443, protocol: HTTPS, hostname: app.example.com}`),
			want: []string{"spec.listeners[0].tls"},
		},
		"hit: Terminate with only an unrelated option": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {mode: Terminate, options: {example.com/x: "y"}}}
  - {name: tls, port: 8443, protocol: TLS, tls: {mode: Terminate, options: {gateway.istio.io/tls-terminate-mode: MUTUAL}}}`),
			want: []string{"spec.listeners[0].tls.certificateRefs", "spec.listeners[1].tls.certificateRefs"},
		},
		"hit: weak suites in the Istio option, after a good one": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {` + cert + `,
      options: {gateway.istio.io/tls-cipher-suites: "ECDHE-RSA-AES128-GCM-SHA256, AES256-SHA,ECDHE-RSA-AES128-SHA"}}}`),
			want: []string{"spec.listeners[0].tls.options[gateway.istio.io/tls-cipher-suites]",
				"spec.listeners[0].tls.options[gateway.istio.io/tls-cipher-suites]"},
		},
		"hit: ListenerSet listener without a certificate": {kind: KindListenerSet,
			doc:  lsDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {mode: Terminate, options: {a.b/c: d}}}`),
			want: []string{"spec.listeners[0].tls.certificateRefs"},
		},
		"miss: certificateRefs with the default mode and allowlisted suites": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {` + cert + `,
      options: {gateway.istio.io/tls-cipher-suites: "ECDHE-ECDSA-AES256-GCM-SHA384,ECDHE-RSA-AES128-GCM-SHA256"}}}
  - {name: tls, port: 8443, protocol: TLS, tls: {mode: Terminate, ` + cert + `}}`),
		},
		"miss: Istio's built-in certificates by option": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: mesh, port: 15443, protocol: TLS, tls: {mode: Terminate, options: {gateway.istio.io/tls-terminate-mode: ISTIO_MUTUAL}}}
  - {name: simple, port: 8443, protocol: HTTPS, tls: {options: {gateway.istio.io/tls-terminate-mode: ISTIO_SIMPLE}}}`),
		},
		"miss: plaintext, TCP, HBONE and passthrough listeners": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: hbone, port: 15008, protocol: HBONE}
  - {name: pass, port: 8443, protocol: TLS, tls: {mode: Passthrough}}`),
		},
		"miss: a Gateway of another controller's class": {kind: KindGatewayAPIGateway,
			doc: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: apps}
spec:
  gatewayClassName: nginx
  listeners: [{name: https, port: 443, protocol: HTTPS}]`,
		},
		"hit: classes are a parameter": {kind: KindGatewayAPIGateway,
			doc: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mine, namespace: apps}
spec:
  gatewayClassName: istio-internal
  listeners: [{name: https, port: 443, protocol: HTTPS}]`,
			params: paramsWith(func(p *IGR307Params) { p.GatewayClasses = []string{"istio-internal"} }),
			want:   []string{"spec.listeners[0].tls"},
		},
	})
}
