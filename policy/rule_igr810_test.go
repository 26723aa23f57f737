package policy

import (
	"slices"
	"sort"
	"testing"
)

// deleteCase is one DELETE: the object deleted, the objects that remain,
// who asks, and the fields IGR810 reports ("exempt: <reason>" when a
// break-glass route allowed it).
type deleteCase struct {
	deleted   string
	remaining []string
	groups    []string
	// terminating: the object's namespace is being deleted.
	terminating bool
	settings    Settings
	want        []string
}

func runDeleteTable(t *testing.T, cases map[string]deleteCase) {
	t.Helper()
	descs := make([]string, 0, len(cases))
	for d := range cases {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, desc := range descs {
		tc := cases[desc]
		t.Run(desc, func(t *testing.T) {
			idx := NewClusterIndex(true)
			for _, d := range tc.remaining {
				idx.Add(clusterObject(t, d))
			}
			obj := clusterObject(t, tc.deleted)
			for _, v := range deleteViolations(DeleteRequest{Object: obj, Remaining: idx}, "istio-system") {
				checkViolationText(t, v)
			}
			e, err := NewEngine(tc.settings)
			if err != nil {
				t.Fatal(err)
			}
			res := e.ValidateDelete(DeleteRequest{Object: obj, Groups: tc.groups, Remaining: idx, NamespaceTerminating: tc.terminating})
			var got []string
			for _, f := range res.Findings {
				if f.Rule != "IGR810" || f.Action != ActionDeny {
					t.Errorf("finding %s with action %s", f.Rule, f.Action)
				}
				got = append(got, f.Field)
			}
			for _, x := range res.Exempted {
				got = append(got, "exempt: "+x.Reason)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("IGR810:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestIGR810(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	denyAll := apDoc("shop", "deny-all", "")
	rootDenyAll := apDoc("istio-system", "deny-all", "")
	meshCM := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: \"{}\"\n"
	exemptAP := "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny-all\n  namespace: shop\n" +
		"  annotations:\n    istio-guardrail.io/exempt: IGR810\n    istio-guardrail.io/exempt-reason: migrating to a mesh-wide policy\nspec: {}\n"
	breakGlass := Settings{Rules: map[string]RuleSettings{"IGR810": {Params: paramsWith(func(p *IGR810Params) { p.BreakGlassGroups = []string{"mesh-admins"} })}}}
	runDeleteTable(t, map[string]deleteCase{
		// The mesh-wide PeerAuthentication.
		"the only mesh-wide STRICT policy": {deleted: meshStrict, want: []string{"spec.mtls.mode"}},
		"another STRICT mesh-wide policy remains": {deleted: meshStrict,
			remaining: []string{paDoc("istio-system", "strict-too", 3, strictSpecYAML)}},
		"an older PERMISSIVE mesh-wide policy would decide": {deleted: meshStrict,
			remaining: []string{paDoc("istio-system", "a-legacy", 0, permissiveSpecYAML)}, want: []string{"spec.mtls.mode"}},
		"a PERMISSIVE mesh-wide policy is no anchor": {deleted: paDoc("istio-system", "default", 0, permissiveSpecYAML)},
		"a namespace policy is no anchor":            {deleted: paDoc("shop", "default", 0, strictSpecYAML)},
		"a workload policy in the root namespace is no anchor": {
			deleted: paDoc("istio-system", "gw", 0, "selector:\n  matchLabels:\n    app: gw\n"+strictSpecYAML)},
		// Default-deny AuthorizationPolicies.
		"the last default-deny of a mesh namespace": {deleted: denyAll, remaining: []string{shop}, want: []string{"spec"}},
		"the last DENY-all of a mesh namespace": {deleted: apDoc("shop", "deny-all", "action: DENY\nrules:\n- {}\n"),
			remaining: []string{shop}, want: []string{"spec"}},
		"another default-deny remains in the namespace": {deleted: denyAll,
			remaining: []string{shop, apDoc("shop", "deny-all-2", "action: DENY\nrules:\n- {}\n")}},
		"a root default-deny still covers the namespace": {deleted: denyAll, remaining: []string{shop, rootDenyAll}},
		"a namespace outside the mesh":                   {deleted: apDoc("tools", "deny-all", ""), remaining: []string{nsDoc("tools")}},
		"an ALLOW policy with rules is no anchor":        {deleted: apDoc("shop", "allow", "rules:\n- {}\n"), remaining: []string{shop}},
		"the root default-deny that mesh namespaces rely on": {deleted: rootDenyAll,
			remaining: []string{shop, nsDoc("web", "istio.io/rev", "1-31"), apDoc("web", "deny-all", "")}, want: []string{"spec"}},
		"the root default-deny when every mesh namespace has its own": {deleted: rootDenyAll,
			remaining: []string{shop, denyAll}},
		// The mesh ConfigMap.
		"the mesh ConfigMap": {deleted: meshCM, want: []string{"data[mesh]"}},
		"a revision's mesh ConfigMap": {deleted: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-1-31\n  namespace: istio-system\ndata:\n  mesh: \"{}\"\n",
			want: []string{"data[mesh]"}},
		"istio-ca-root-cert is no mesh config": {deleted: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-ca-root-cert\n  namespace: istio-system\ndata:\n  root-cert.pem: x\n"},
		"a ConfigMap named istio elsewhere":    {deleted: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: shop\ndata:\n  mesh: \"{}\"\n"},
		// Break-glass.
		"a break-glass group member":         {deleted: meshCM, groups: []string{"system:authenticated", "mesh-admins"}, settings: breakGlass, want: []string{"exempt: break-glass group mesh-admins"}},
		"not a break-glass group member":     {deleted: meshCM, groups: []string{"developers"}, settings: breakGlass, want: []string{"data[mesh]"}},
		"no group is break-glass by default": {deleted: meshCM, groups: []string{"system:masters"}, want: []string{"data[mesh]"}},
		"the exemption annotation":           {deleted: exemptAP, remaining: []string{shop}, want: []string{"exempt: migrating to a mesh-wide policy"}},
		"the exemption annotation where the configuration does not honour it": {deleted: exemptAP, remaining: []string{shop},
			settings: Settings{ExemptAnnotationNamespaces: []string{"legacy-*"}}, want: []string{"spec"}},
		"the exemption annotation for a rule the configuration does not allow": {deleted: exemptAP, remaining: []string{shop},
			settings: Settings{ExemptableRules: []string{"IGR101"}}, want: []string{"spec"}},
		"in a namespace being deleted": {deleted: denyAll, remaining: []string{shop}, terminating: true},
		"rule turned off":              {deleted: meshCM, settings: Settings{Rules: map[string]RuleSettings{"IGR810": {Action: ActionOff}}}},
	})
}
