package policy

import "testing"

// httpRoute is an HTTPRoute in namespace ns with the given parentRefs and rules.
func httpRoute(ns, name, spec string) string {
	return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

// grpcRoute is a GRPCRoute in namespace ns with the given spec.
func grpcRoute(ns, name, spec string) string {
	return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

// tlsRoute is a TLSRoute in namespace ns with the given spec.
func tlsRoute(ns, name, spec string) string {
	return "apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

const (
	grpcRules = `  rules: [{matches: [{method: {service: shop.Cart}}], backendRefs: [{name: cart, port: 9000}]}]
`
	redirectRules = `  rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]
`
	plainRules = `  rules: [{backendRefs: [{name: web, port: 8080}]}]
`
)

func TestIGR308(t *testing.T) {
	const http = `  - {name: http, port: 80, protocol: HTTP}
`
	runRuleTable(t, ruleIGR308(), map[string]ruleCase{
		"hit (advisory): admission cannot see the routes": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http), want: []string{"spec.listeners[0].protocol (advisory)"},
		},
		"hit (advisory): the input holds no route of the listener": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http), routes: httpRoute("apps", "other", "  parentRefs: [{name: another-gateway}]\n"+plainRules),
			want: []string{"spec.listeners[0].protocol (advisory)"},
		},
		"hit: an attached route serves plaintext": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http),
			routes: httpRoute("apps", "redirect", "  parentRefs: [{name: web}]\n"+redirectRules) + "\n---\n" +
				httpRoute("apps", "app", "  parentRefs: [{name: web, sectionName: http}]\n"+plainRules),
			want: []string{"spec.listeners[0]"},
		},
		"hit: one finding for many plaintext routes": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http),
			routes: httpRoute("apps", "b", "  parentRefs: [{name: web}]\n"+plainRules) + "\n---\n" +
				httpRoute("apps", "a", "  parentRefs: [{name: web}]\n"+plainRules) + "\n---\n" +
				httpRoute("apps", "c", "  parentRefs: [{name: web}]\n"+redirectRules),
			want: []string{"spec.listeners[0]"},
		},
		"hit: one rule of the route is not redirected": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http),
			routes: httpRoute("apps", "mixed", `  parentRefs: [{name: web, port: 80}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
  - matches: [{path: {type: PathPrefix, value: /.well-known}}]
    backendRefs: [{name: acme, port: 8089}]
`),
			want: []string{"spec.listeners[0]"},
		},
		"hit: route from a namespace a selector admits": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {web: "yes"}}}}}
`),
			ns:     map[string]map[string]string{"team-a": {"web": "yes"}},
			routes: httpRoute("team-a", "app", "  parentRefs: [{name: web, namespace: apps}]\n"+plainRules),
			want:   []string{"spec.listeners[0]"},
		},
		"hit: ListenerSet listener with a plaintext route": {kind: KindListenerSet,
			doc:    lsDoc(http),
			routes: httpRoute("apps", "app", "  parentRefs: [{kind: ListenerSet, name: extra}]\n"+plainRules),
			want:   []string{"spec.listeners[0]"},
		},
		"miss: every attached route redirects": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http),
			routes: httpRoute("apps", "redirect", "  parentRefs: [{name: web, sectionName: http}]\n"+redirectRules) + "\n---\n" +
				httpRoute("apps", "redirect-upper", "  parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: web}]\n"+
					`  rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: HTTPS}}]}]
`) + "\n---\n" +
				// Not attached: other listener, other port, other gateway's namespace, not admitted, other hostname.
				httpRoute("apps", "https-only", "  parentRefs: [{name: web, sectionName: https}]\n"+plainRules) + "\n---\n" +
				httpRoute("apps", "port", "  parentRefs: [{name: web, port: 8080}]\n"+plainRules) + "\n---\n" +
				httpRoute("other", "elsewhere", "  parentRefs: [{name: web}]\n"+plainRules) + "\n---\n" +
				httpRoute("other", "not-admitted", "  parentRefs: [{name: web, namespace: apps}]\n"+plainRules),
		},
		"hit (advisory) only on a listener no HTTPRoute may attach to: hostnames and kinds": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: grpc, port: 81, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}
`),
			routes: httpRoute("apps", "r", "  parentRefs: [{name: web, sectionName: http}]\n  hostnames: [www.example.com]\n"+redirectRules) + "\n---\n" +
				httpRoute("apps", "other-host", "  parentRefs: [{name: web, sectionName: http}]\n  hostnames: [app.example.org]\n"+plainRules) + "\n---\n" +
				httpRoute("apps", "grpc", "  parentRefs: [{name: web, sectionName: grpc}]\n"+plainRules) + "\n---\n" +
				httpRoute("apps", "r2", "  parentRefs: [{name: web, sectionName: grpc}, {name: web, sectionName: http}]\n"+redirectRules),
			want: []string{"spec.listeners[1].protocol (advisory)"},
		},
		"hit: a GRPCRoute on the plaintext listener (it has no redirect filter)": {kind: KindGatewayAPIGateway,
			doc:    gwDoc(http),
			routes: grpcRoute("apps", "cart", "  parentRefs: [{name: web}]\n"+grpcRules),
			want:   []string{"spec.listeners[0]"},
		},
		"hit: a GRPCRoute beside redirecting HTTPRoutes, attached by section and port": {kind: KindGatewayAPIGateway,
			doc: gwDoc(http),
			routes: httpRoute("apps", "redirect", "  parentRefs: [{name: web}]\n"+redirectRules) + "\n---\n" +
				grpcRoute("apps", "cart", "  parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: web, sectionName: http, port: 80}]\n"+grpcRules),
			want: []string{"spec.listeners[0]"},
		},
		"hit: a GRPCRoute on a listener that lists GRPCRoute among its kinds": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{group: gateway.networking.k8s.io, kind: GRPCRoute}]}}
`),
			routes: grpcRoute("apps", "cart", "  parentRefs: [{name: web}]\n  hostnames: [cart.example.com]\n"+grpcRules),
			want:   []string{"spec.listeners[0]"},
		},
		"hit: a GRPCRoute on a ListenerSet listener": {kind: KindListenerSet,
			doc:    lsDoc(http),
			routes: grpcRoute("apps", "cart", "  parentRefs: [{kind: ListenerSet, name: extra}]\n"+grpcRules),
			want:   []string{"spec.listeners[0]"},
		},
		"miss: GRPCRoutes and TLSRoutes that do not attach to the plaintext listener": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
  - {name: tls, port: 8443, protocol: TLS, tls: {mode: Passthrough}}
`),
			routes: httpRoute("apps", "redirect", "  parentRefs: [{name: web, sectionName: http}]\n"+redirectRules) + "\n---\n" +
				// Not attached to http: its kinds exclude GRPCRoute; another section; TLSRoutes attach only to TLS listeners.
				grpcRoute("apps", "kinds", "  parentRefs: [{name: web, sectionName: http}]\n"+grpcRules) + "\n---\n" +
				grpcRoute("apps", "https", "  parentRefs: [{name: web, sectionName: https}]\n"+grpcRules) + "\n---\n" +
				tlsRoute("apps", "db", "  parentRefs: [{name: web}]\n  rules: [{backendRefs: [{name: db, port: 5432}]}]\n"),
		},
		"hit (advisory): only a TLSRoute names the plaintext listener": {kind: KindGatewayAPIGateway,
			doc:    gwDoc(http),
			routes: tlsRoute("apps", "db", "  parentRefs: [{name: web, sectionName: http}]\n  rules: [{backendRefs: [{name: db, port: 5432}]}]\n"),
			want:   []string{"spec.listeners[0].protocol (advisory)"},
		},
		"miss: HTTPS and TCP listeners are not plaintext HTTP": {kind: KindGatewayAPIGateway,
			doc: gwDoc(`  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
  - {name: tcp, port: 9000, protocol: TCP}
`),
		},
	})
}

func TestIGR308NamesTheFirstPlaintextRoute(t *testing.T) {
	obj := testObject(t, KindGatewayAPIGateway, gwDoc("  - {name: http, port: 80, protocol: HTTP}\n"))
	ctx := &Context{Routes: testRoutes(t, httpRoute("apps", "b", "  parentRefs: [{name: web}]\n"+plainRules)+"\n---\n"+
		httpRoute("apps", "a", "  parentRefs: [{name: web}]\n"+plainRules))}
	vs := checkViolationsIn(t, ctx, ruleIGR308(), obj, nil)
	want := `spec.listeners[0]: "apps/a" (HTTPRoute) and 1 more attached routes serve plaintext, without https redirect`
	if len(vs) != 1 || vs[0].Text() != want {
		t.Errorf("violations %q, want one %q", renderViolations(vs), want)
	}
	if len(vs) == 1 && vs[0].Advisory {
		t.Error("a plaintext route the input holds must not be advisory")
	}
}

func TestIGR308NamesAGRPCRouteAsSuch(t *testing.T) {
	obj := testObject(t, KindGatewayAPIGateway, gwDoc("  - {name: http, port: 80, protocol: HTTP}\n"))
	ctx := &Context{Routes: testRoutes(t, httpRoute("apps", "redirect", "  parentRefs: [{name: web}]\n"+redirectRules)+"\n---\n"+
		grpcRoute("apps", "cart", "  parentRefs: [{name: web}]\n"+grpcRules))}
	vs := checkViolationsIn(t, ctx, ruleIGR308(), obj, nil)
	want := `spec.listeners[0]: "apps/cart" is an attached GRPCRoute, which serves plaintext (GRPCRoute cannot redirect)`
	if len(vs) != 1 || vs[0].Text() != want || vs[0].Advisory {
		t.Errorf("violations %q, want one denying %q", renderViolations(vs), want)
	}
}
