package chart

import (
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
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
		"cluster list security.istio.io/authorizationpolicies", "cluster list security.istio.io/peerauthentications"}, auditGrants()...)
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
// and watch of every kind it judges, its reports (whose create is the one
// create the chart grants: a Report per namespace cannot be made in advance),
// and get/update of its Lease by name.
func auditGrants() []string {
	var out []string
	for _, gr := range []string{"/pods", "/services", "/configmaps", "apps/deployments", "apps/statefulsets", "apps/daemonsets",
		"apps/replicasets", "batch/jobs", "batch/cronjobs", "networking.k8s.io/networkpolicies",
		"admissionregistration.k8s.io/mutatingwebhookconfigurations", "security.istio.io/peerauthentications",
		"security.istio.io/requestauthentications", "security.istio.io/authorizationpolicies", "networking.istio.io/destinationrules",
		"networking.istio.io/gateways", "networking.istio.io/sidecars", "networking.istio.io/virtualservices",
		"networking.istio.io/envoyfilters", "install.istio.io/istiooperators", "cert-manager.io/certificates"} {
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
