package policy

import (
	"reflect"
	"strings"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
)

// TestRules2ThroughEngine runs the Gateway, AuthorizationPolicy and Sidecar
// rules through NewEngine(...).Validate, checking the actions that come out:
// warn rules stay warn, advisory parts of deny rules are capped at warn, and
// configured actions apply.
func TestRules2ThroughEngine(t *testing.T) {
	gateway := `servers:
- {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
- {port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, serverCertificate: /c.crt, privateKey: /c.key, minProtocolVersion: TLSV1_1}}
- {port: {number: 8443, name: tls, protocol: TLS}, hosts: [b.example.com], tls: {mode: PASSTHROUGH}}`
	authz := `rules:
- {}
- from: [{source: {principals: ["*", shop/web]}}]
  to: [{operation: {notPaths: [/admin]}}]`
	for desc, tc := range map[string]struct {
		obj      func(*testing.T) *Object
		settings Settings
		want     []string
	}{
		"gateway defaults: deny for 301 and 303, warn for 304-306": {
			obj: func(t *testing.T) *Object { return testObject(t, KindGateway, gateway) },
			want: []string{
				"IGR301 deny spec.servers[1].tls.minProtocolVersion",
				"IGR303 deny spec.servers[0].tls.httpsRedirect",
				"IGR304 warn spec.servers[1].tls.credentialName",
				"IGR305 warn spec.servers[0].hosts[0]",
				"IGR306 warn spec.servers[2].tls.mode",
			},
		},
		"gateway configured: 304 raised to deny, 305 off, 301 audit": {
			obj: func(t *testing.T) *Object { return testObject(t, KindGateway, gateway) },
			settings: Settings{Rules: map[string]RuleSettings{
				"IGR301": {Action: ActionAudit},
				"IGR304": {Action: ActionDeny},
				"IGR305": {Action: ActionOff},
			}},
			want: []string{
				"IGR301 audit spec.servers[1].tls.minProtocolVersion",
				"IGR303 deny spec.servers[0].tls.httpsRedirect",
				"IGR304 deny spec.servers[1].tls.credentialName",
				"IGR306 warn spec.servers[2].tls.mode",
			},
		},
		"authorization policy defaults: deny for 401, 402, 404, warn for 403 and 405": {
			obj: func(t *testing.T) *Object { return testObject(t, KindAuthorizationPolicy, authz) },
			want: []string{
				"IGR401 deny spec.rules[0]",
				"IGR402 deny spec.rules[1].from[0].source.principals[0]",
				"IGR403 warn spec.rules[1].to[0].operation.notPaths",
				"IGR404 deny spec.rules[1].from[0].source.principals[1]",
			},
		},
		"sidecar without egress and ALLOW_ANY: advisory 501 is warn, 502 deny": {
			obj: func(t *testing.T) *Object {
				return testObject(t, KindSidecar, `outboundTrafficPolicy: {mode: ALLOW_ANY}`)
			},
			want: []string{"IGR501 warn spec.egress", "IGR502 deny spec.outboundTrafficPolicy.mode"},
		},
		"sidecar advisory 501 under audit stays audit": {
			obj: func(t *testing.T) *Object {
				return testObject(t, KindSidecar, `outboundTrafficPolicy: {mode: REGISTRY_ONLY}`)
			},
			settings: Settings{Rules: map[string]RuleSettings{"IGR501": {Action: ActionAudit}}},
			want:     []string{"IGR501 audit spec.egress"},
		},
		"hardened sidecar: nothing": {
			obj: func(t *testing.T) *Object {
				return testObject(t, KindSidecar, `{egress: [{hosts: ["./*", "istio-system/*"]}], outboundTrafficPolicy: {mode: REGISTRY_ONLY}}`)
			},
			want: []string{},
		},
	} {
		t.Run(desc, func(t *testing.T) {
			e, err := NewEngine(tc.settings)
			if err != nil {
				t.Fatalf("NewEngine: %v", err)
			}
			res := e.Validate(&Context{}, tc.obj(t))
			got := []string{}
			for _, f := range res.Findings {
				if !strings.HasPrefix(f.Rule, "IGR3") && !strings.HasPrefix(f.Rule, "IGR4") && !strings.HasPrefix(f.Rule, "IGR5") {
					continue
				}
				got = append(got, f.Rule+" "+string(f.Action)+" "+f.Field)
				if f.Remediation == "" || f.Message == "" {
					t.Errorf("finding without message or remediation: %+v", f)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestRules2Catalogue checks the metadata every rule of this group must carry.
func TestRules2Catalogue(t *testing.T) {
	groups := map[string][]*Rule{"gateway": rulesBetween(t, "IGR301", "IGR306"), "authorization": rulesBetween(t, "IGR401", "IGR405"), "sidecar": rulesBetween(t, "IGR501", "IGR502")}
	wantIDs := map[string][]string{
		"gateway":       {"IGR301", "IGR302", "IGR303", "IGR304", "IGR305", "IGR306"},
		"authorization": {"IGR401", "IGR402", "IGR403", "IGR404", "IGR405"},
		"sidecar":       {"IGR501", "IGR502"},
	}
	for name, rules := range groups {
		t.Run(name, func(t *testing.T) {
			var ids []string
			for _, r := range rules {
				ids = append(ids, r.ID)
				if r.Title == "" || r.Description == "" || r.Remediation == "" || r.Check == nil || len(r.Targets) != 1 {
					t.Errorf("%s: incomplete rule metadata", r.ID)
				}
				if !r.DefaultAction.Valid() || r.DefaultAction == ActionOff {
					t.Errorf("%s: default action %q", r.ID, r.DefaultAction)
				}
				for _, body := range []any{nil, (*networkingapi.Gateway)(nil), (*securityapi.AuthorizationPolicy)(nil), (*networkingapi.Sidecar)(nil)} {
					if got := r.Check(nil, &Object{Body: body}, defaults(r.Params)); len(got) != 0 {
						t.Errorf("%s: object with body %T must yield nothing, got %+v", r.ID, body, got)
					}
				}
			}
			if !reflect.DeepEqual(ids, wantIDs[name]) {
				t.Errorf("IDs = %v, want %v", ids, wantIDs[name])
			}
		})
	}
}

// TestRules2NilEntries feeds specs whose lists hold nil entries (possible when
// built in Go rather than decoded): no rule may panic, and nil entries count
// as empty ones.
func TestRules2NilEntries(t *testing.T) {
	objects := map[string]*Object{
		"gateway": {GroupKind: KindGateway.GroupKind(), Body: &networkingapi.Gateway{
			Servers: []*networkingapi.Server{nil, {Tls: &networkingapi.ServerTLSSettings{}}},
		}},
		"authorization policy": {GroupKind: KindAuthorizationPolicy.GroupKind(), Body: &securityapi.AuthorizationPolicy{
			Rules: []*securityapi.Rule{{
				From: []*securityapi.Rule_From{nil, {}},
				To:   []*securityapi.Rule_To{nil, {}},
				When: []*securityapi.Condition{nil},
			}},
		}},
		"sidecar": {GroupKind: KindSidecar.GroupKind(), Body: &networkingapi.Sidecar{
			Egress: []*networkingapi.IstioEgressListener{nil},
		}},
	}
	want := map[string][]string{
		"gateway": nil,
		"authorization policy": {
			"IGR402 spec.rules[0].from[0].source", "IGR402 spec.rules[0].from[1].source",
			"IGR405 spec.rules[0].to[0].operation", "IGR405 spec.rules[0].to[1].operation",
		},
		"sidecar": nil,
	}
	all := append(append(rulesBetween(t, "IGR301", "IGR306"), rulesBetween(t, "IGR401", "IGR405")...), rulesBetween(t, "IGR501", "IGR502")...)
	for desc, obj := range objects {
		t.Run(desc, func(t *testing.T) {
			var got []string
			for _, r := range all {
				for _, v := range r.Check(nil, obj, defaults(r.Params)) {
					got = append(got, r.ID+" "+v.Path.String())
				}
			}
			if !reflect.DeepEqual(got, want[desc]) {
				t.Errorf("got %q, want %q", got, want[desc])
			}
		})
	}
}
