package chart

import (
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/istio-guardrail/istio-guardrail/audit"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// grant is one (apiGroup, resource, verb, resourceName) the release's
// ServiceAccount holds; resourceName "" means every object.
type grant struct {
	scope, group, resource, verb, name string
}

func (g grant) String() string {
	s := g.scope + " " + g.verb + " " + g.group + "/" + g.resource
	if g.name != "" {
		s += "/" + g.name
	}
	return s
}

// grants flattens every Role and ClusterRole bound to the chart's ServiceAccount.
func grants(t *testing.T, m *rendered) []string {
	t.Helper()
	roles := map[string][]rbacv1.PolicyRule{}
	for _, kind := range []string{"Role", "ClusterRole"} {
		for _, name := range m.names(kind) {
			var r rbacv1.ClusterRole
			decodeInto(t, m, kind, name, &r)
			roles[kind+"/"+name] = r.Rules
		}
	}
	var out []string
	for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
		for _, name := range m.names(kind) {
			var b rbacv1.RoleBinding
			decodeInto(t, m, kind, name, &b)
			if !bindsServiceAccount(b.Subjects) {
				t.Errorf("%s %s binds subjects other than the chart's ServiceAccount: %+v", kind, name, b.Subjects)
			}
			rules, ok := roles[b.RoleRef.Kind+"/"+b.RoleRef.Name]
			if !ok {
				t.Errorf("%s %s references %s %s, which the chart does not create", kind, name, b.RoleRef.Kind, b.RoleRef.Name)
			}
			scope := "cluster"
			if kind == "RoleBinding" {
				scope = "namespace " + namespace
			}
			out = append(out, flatten(scope, rules)...)
		}
	}
	sort.Strings(out)
	return out
}

func bindsServiceAccount(subjects []rbacv1.Subject) bool {
	return len(subjects) == 1 && subjects[0].Kind == rbacv1.ServiceAccountKind &&
		subjects[0].Name == fullname && subjects[0].Namespace == namespace
}

func flatten(scope string, rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					for _, n := range names {
						out = append(out, grant{scope, g, res, v, n}.String())
					}
				}
			}
		}
	}
	return out
}

// TestRBACLeastPrivilege compares every permission of the ServiceAccount with
// the exact list the server needs: the namespace informer, the DELETE
// guard's look-ups (anchors.enabled), and in self-managed mode its own
// Secret and webhook configurations by name.
func TestRBACLeastPrivilege(t *testing.T) {
	informer := append([]string{"cluster list /namespaces", "cluster watch /namespaces",
		"cluster list security.istio.io/authorizationpolicies", "cluster list security.istio.io/peerauthentications"}, auditGrants(t)...)
	selfManaged := []string{
		"cluster get admissionregistration.k8s.io/mutatingwebhookconfigurations/" + fullname,
		"cluster get admissionregistration.k8s.io/validatingwebhookconfigurations/" + fullname,
		"cluster update admissionregistration.k8s.io/mutatingwebhookconfigurations/" + fullname,
		"cluster update admissionregistration.k8s.io/validatingwebhookconfigurations/" + fullname,
		"namespace " + namespace + " get /secrets/" + fullname + "-tls",
		"namespace " + namespace + " update /secrets/" + fullname + "-tls",
	}
	tests := map[string]struct {
		values map[string]any
		want   []string
	}{
		"self-managed: informer, own Secret, own webhook configurations": {nil, append(slices.Clone(informer), selfManaged...)},
		"cert-manager: informer only":                                    {modes["cert-manager with the chart's CA chain"], informer},
		"cert-manager without the DELETE guard and the audit": {map[string]any{"certManager": map[string]any{"enabled": true},
			"anchors": map[string]any{"enabled": false}, "audit": map[string]any{"enabled": false}},
			[]string{"cluster list /namespaces", "cluster watch /namespaces"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := grants(t, render(t, tc.values))
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("ServiceAccount permissions\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			for _, g := range got {
				if strings.Contains(g, "*") || (strings.Contains(g, " create ") && !strings.Contains(g, " openreports.io/")) {
					t.Errorf("forbidden grant %q (wildcards; create cannot be scoped by name)", g)
				}
			}
		})
	}
}

// auditGrants are the background audit's permissions (audit.enabled): list
// and watch of every kind the audit lists with every rule enabled
// (audit.Kinds; Namespaces are also the informer's), its reports (whose
// create is the one create the chart grants: a Report per namespace cannot be
// made in advance), and get/update of its Lease by name.
func auditGrants(t *testing.T) []string {
	var out []string
	for _, gr := range auditResources(t) {
		if gr == "/namespaces" {
			continue // granted to every mode (the informer)
		}
		out = append(out, "cluster list "+gr, "cluster watch "+gr)
	}
	for _, r := range []string{"reports", "clusterreports"} {
		for _, v := range []string{"get", "list", "create", "update", "delete"} {
			out = append(out, "cluster "+v+" openreports.io/"+r)
		}
	}
	return append(out, "namespace "+namespace+" get coordination.k8s.io/leases/istio-guardrail-audit",
		"namespace "+namespace+" update coordination.k8s.io/leases/istio-guardrail-audit")
}

// auditResources are the "group/resource" of every kind audit.Kinds lists
// with every rule enabled. A custom kind's resource is its CRD's plural (the
// CRDs of the modules the e2e suite installs); a built-in kind's is its
// lower-case plural, regular for all of them. The e2e test
// TestChartAuditRBACListsEveryServedKind resolves them with discovery instead.
func auditResources(t *testing.T) []string {
	t.Helper()
	istio, certManager, gatewayAPI, err := framework.CRDPaths(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	opts := envtest.CRDInstallOptions{Paths: []string{istio, certManager, gatewayAPI}, ErrorIfPathMissing: true}
	if err := envtest.ReadCRDFiles(&opts); err != nil {
		t.Fatal(err)
	}
	plurals := map[schema.GroupKind]string{}
	for _, crd := range opts.CRDs {
		plurals[schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}] = crd.Spec.Names.Plural
	}
	// The IstioOperator CRD left Istio's modules with the in-cluster
	// operator (1.24); clusters that kept it serve this plural.
	plurals[schema.GroupKind{Group: "install.istio.io", Kind: "IstioOperator"}] = "istiooperators"
	builtin := []string{"", "apps", "batch", "networking.k8s.io", "admissionregistration.k8s.io", "policy", "autoscaling"}
	var out []string
	for _, gk := range audit.Kinds(nil) {
		plural, ok := plurals[gk]
		switch {
		case ok:
		case slices.Contains(builtin, gk.Group):
			plural = strings.ToLower(gk.Kind) + "s"
			if strings.HasSuffix(plural, "ys") {
				plural = strings.TrimSuffix(plural, "ys") + "ies"
			}
		default:
			t.Fatalf("audit lists %s: no CRD of the suite's modules defines it", gk)
		}
		out = append(out, gk.Group+"/"+plural)
	}
	if len(out) < 20 {
		t.Fatalf("audit.Kinds lists %d kinds, fewer than it reads: %v", len(out), out)
	}
	return out
}

// TestAuditRBACGrantsEveryKindAuditLists names each kind the audit lists that
// the chart's audit role does not let it list and watch: such a kind is never
// judged in the cluster (and its informer never syncs).
func TestAuditRBACGrantsEveryKindAuditLists(t *testing.T) {
	got := grants(t, render(t, nil))
	for _, gr := range auditResources(t) {
		for _, verb := range []string{"list", "watch"} {
			if g := "cluster " + verb + " " + gr; !slices.Contains(got, g) {
				t.Errorf("audit lists %s but the chart does not grant %q", gr, g)
			}
		}
	}
}

// TestSelfManagedSecretIsPreCreated checks that the Secret the server fills
// exists without data (so upgrades never overwrite the certificates).
func TestSelfManagedSecretIsPreCreated(t *testing.T) {
	m := render(t, nil)
	o := m.find("Secret", fullname+"-tls")
	if o == nil {
		t.Fatalf("no Secret %s-tls (have %s)", fullname, m.summary())
	}
	if s := string(o.JSON); strings.Contains(s, `"data"`) || strings.Contains(s, `"stringData"`) {
		t.Errorf("the chart must not render certificate data: %s", s)
	}
	if got := render(t, map[string]any{"selfManaged": map[string]any{"secretName": "my-tls"}}); got.find("Secret", "my-tls") == nil {
		t.Error("selfManaged.secretName is not honoured")
	}
}
