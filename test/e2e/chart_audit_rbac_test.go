package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/istio-guardrail/istio-guardrail/audit"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// TestChartAuditRBACListsEveryServedKind installs the chart (audit.enabled
// by default) on a server with the Istio, cert-manager and Gateway API CRDs
// and, as the chart's ServiceAccount, lists and watches every kind the audit
// lists (audit.Kinds with every rule enabled) that the server serves,
// resolved by discovery as the audit resolves them: a kind the role does not
// grant is Forbidden here, and in the cluster its informer would never sync.
// A Gateway API Gateway created by the admin is in the ServiceAccount's list.
func TestChartAuditRBACListsEveryServedKind(t *testing.T) {
	withGatewayAPI(t)
	// The Gateway first: the chart's webhooks point at a Service with no
	// server behind it (nothing here runs the chart's Deployment).
	ns := newNamespace(t, nil)
	requireAllowed(t, kubectl(t, testdata(t, "meshapi/gateway-hardened.yaml"), "apply", "-n", ns, "-f", "-"))
	c := chartInstall{release: "guardrail-audit", namespace: "guardrail-chart-audit"}
	c.install(t)

	cfg, err := clientcmd.BuildConfigFromFlags("", impersonatingKubeconfig(t, c.serviceAccount()))
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(env.Cluster.Config)))
	served := 0
	for _, gk := range audit.Kinds(nil) {
		m, err := mapper.RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			t.Logf("not served: %s", gk)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		served++
		res := dyn.Resource(m.Resource)
		list, err := res.List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Errorf("as %s, list %s: %v (forbidden: %v)", c.serviceAccount(), m.Resource, err, apierrors.IsForbidden(err))
			continue
		}
		w, err := res.Watch(t.Context(), metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
		if err != nil {
			t.Errorf("as %s, watch %s: %v", c.serviceAccount(), m.Resource, err)
			continue
		}
		w.Stop()
		if m.Resource.Group == "gateway.networking.k8s.io" && m.Resource.Resource == "gateways" {
			var names []string
			for _, it := range list.Items {
				names = append(names, it.GetNamespace()+"/"+it.GetName())
			}
			if !strings.Contains(strings.Join(names, " "), ns+"/") {
				t.Errorf("as %s, the Gateway API Gateways listed are %v: the one in %s is missing", c.serviceAccount(), names, ns)
			}
		}
	}
	// Istio's, cert-manager's and the Gateway API's CRDs are installed: all
	// but IstioOperator (whose CRD no module of the suite ships) are served.
	if want := len(audit.Kinds(nil)) - 1; served != want {
		t.Errorf("%d of the audit's kinds are served, want %d", served, want)
	}
	// And nothing beyond list/watch on them: no get.
	if r := kubectl(t, "", "auth", "can-i", "get", "gateways.gateway.networking.k8s.io", "-n", ns, "--as", c.serviceAccount()); strings.TrimSpace(r.Stdout) != "no" {
		t.Errorf("kubectl auth can-i get gateways.gateway.networking.k8s.io as %s: %q, want no", c.serviceAccount(), r.Stdout)
	}
}

// TestChartBackgroundAuditAsServiceAccountJudgesGatewayAPI runs the
// background audit as the chart's ServiceAccount, with the chart's
// configuration, on a server with the Gateway API CRDs: every informer must
// sync under the chart's role (one Forbidden kind would keep the audit from
// ever publishing), and the published reports carry IGR811 on a waypoint.
func TestChartBackgroundAuditAsServiceAccountJudgesGatewayAPI(t *testing.T) {
	withGatewayAPI(t)
	ns := newNamespace(t, nil)
	requireAllowed(t, kubectl(t, testdata(t, "meshapi/waypoint-unhardened.yaml"), "apply", "-n", ns, "-f", "-"))
	c := chartInstall{release: "guardrail-bg", namespace: "guardrail-chart-bg"}
	c.install(t)
	g := startAsChart(t, c, impersonatingKubeconfig(t, c.serviceAccount()), auditServeArgs...)
	want := "IGR811 Gateway " + ns + "/waypoint-unhardened"
	var got []string
	err := framework.Poll(t.Context(), reportBound, time.Second, func(ctx context.Context) error {
		var err error
		if _, got, err = reports(ctx, env.Cluster); err != nil {
			return err
		}
		for _, f := range got {
			if strings.HasPrefix(f, want+" ") {
				return nil
			}
		}
		return fmt.Errorf("not yet")
	})
	if err != nil {
		t.Fatalf("no report of %q published by the audit running as %s; findings %q\n%s", want, c.serviceAccount(), got, g.Logs())
	}
}

// TestChartAuditRoleMissingOneKind takes NetworkPolicies out of the chart's
// audit ClusterRole. As the chart's ServiceAccount, the one-shot audit exits
// 2 naming the kind and the missing verb; the background audit does not
// wait for the kind forever: it publishes, naming NetworkPolicy as an error
// with its fix in the ClusterReport, without concluding from the absence of
// NetworkPolicies (no IGR805 on a mesh namespace), logs it once and counts it.
func TestChartAuditRoleMissingOneKind(t *testing.T) {
	ns := newNamespace(t, map[string]string{"istio-injection": "enabled"})
	c := chartInstall{release: "guardrail-norbac", namespace: "guardrail-chart-norbac"}
	c.install(t)
	roles := env.Cluster.Client.RbacV1().ClusterRoles()
	role, err := roles.Get(t.Context(), c.fullname()+"-audit", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for i := range role.Rules {
		rs := role.Rules[i].Resources
		role.Rules[i].Resources = slices.DeleteFunc(slices.Clone(rs), func(r string) bool { return r == "networkpolicies" })
		dropped += len(rs) - len(role.Rules[i].Resources)
	}
	role.Rules = slices.DeleteFunc(role.Rules, func(r rbacv1.PolicyRule) bool { return len(r.Resources) == 0 })
	if dropped != 1 {
		t.Fatalf("the chart's audit role grants networkpolicies %d times, want once", dropped)
	}
	if _, err := roles.Update(t.Context(), role, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig := impersonatingKubeconfig(t, c.serviceAccount())
	if r := kubectl(t, "", "auth", "can-i", "list", "networkpolicies.networking.k8s.io", "--as", c.serviceAccount()); strings.TrimSpace(r.Stdout) != "no" {
		t.Fatalf("kubectl auth can-i list networkpolicies as %s: %q, want no", c.serviceAccount(), r.Stdout)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.Cluster.Binaries.Guardrail, "audit", "--kubeconfig", kubeconfig, "-A")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if ctx.Err() != nil || !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("one-shot audit as %s: %v (context %v), want exit 2\n%s", c.serviceAccount(), err, ctx.Err(), stderr.String())
	}
	for _, want := range []string{"cannot list NetworkPolicy.networking.k8s.io", "forbidden",
		`fix: grant the verbs list on networkpolicies.networking.k8s.io (ClusterRole rule: apiGroups ["networking.k8s.io"], resources ["networkpolicies"], verbs [list])`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("one-shot audit's stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	// Reports other tests' audits left in the shared cluster are not this
	// audit's: only reports written (created or updated) after it starts are
	// judged below.
	stale := map[string]bool{}
	if before, _, err := reports(t.Context(), env.Cluster); err != nil {
		t.Fatal(err)
	} else {
		for _, rep := range before {
			stale[rep.Metadata.Namespace+"@"+rep.Metadata.ResourceVersion] = true
		}
	}
	g := startAsChart(t, c, kubeconfig, auditServeArgs...)
	wantError := audit.PolicyListError + " NetworkPolicy.networking.k8s.io"
	var got []string
	var published []publishedReport
	err = framework.Poll(t.Context(), reportBound, time.Second, func(ctx context.Context) error {
		var err error
		if published, got, err = reports(ctx, env.Cluster); err != nil {
			return err
		}
		if !slices.Contains(got, wantError) {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("no report names %q within %s; findings %q\n%s", wantError, reportBound, got, g.Logs())
	}
	for _, f := range got {
		if strings.HasPrefix(f, "IGR805 Namespace "+ns+" ") {
			t.Errorf("IGR805 reported on %s though NetworkPolicies could not be listed: %q", ns, got)
		}
	}
	for _, rep := range published {
		if stale[rep.Metadata.Namespace+"@"+rep.Metadata.ResourceVersion] {
			continue
		}
		n := 0
		for _, res := range rep.Results {
			if res.Result == "error" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a report in %q has %d error results, want 1 (every report names the unreadable kind)", rep.Metadata.Namespace, n)
		}
	}
	// Counted at every failed list (the informer retries with backoff), logged once.
	series := `istio_guardrail_audit_list_errors_total{kind="NetworkPolicy.networking.k8s.io"}`
	err = framework.Poll(t.Context(), 30*time.Second, time.Second, func(context.Context) error {
		for _, l := range scrapePort(t, g.MetricsPort) {
			if v, ok := strings.CutPrefix(l, series+" "); ok && v != "0" && v != "1" {
				return nil
			}
		}
		return errors.New("not yet")
	})
	if err != nil {
		t.Errorf("%s not counted twice within 30s", series)
	}
	logs, err := os.ReadFile(g.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logs), "background audit cannot list or watch a kind"); n != 1 {
		t.Errorf("the unreadable kind is logged %d times, want once\n%s", n, g.Logs())
	}
}
