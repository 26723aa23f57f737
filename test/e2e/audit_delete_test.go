package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// anchorsConfig lets IGR810 be exempted by annotation and names the
// break-glass group.
const anchorsConfig = framework.MinimalConfig + "exemptions:\n  allowedRules: [IGR810]\n" +
	"rules:\n  IGR810:\n    params:\n      breakGlassGroups: [mesh-admins]\n"

// anchorsCluster is a cluster with the anchors of a hardened mesh and a
// guardrail serving the chart's DELETE webhook entries (anchors.*).
func anchorsCluster(t *testing.T) *framework.Cluster {
	t.Helper()
	c := anchors.start(t, "anchors", "delete-seed.yaml")
	anchorsGuardOnce.Do(func() { anchorsGuardErr = startAnchorsGuard(c) })
	if anchorsGuardErr != nil {
		t.Fatalf("anchors guardrail: %v", anchorsGuardErr)
	}
	return c
}

var (
	anchorsGuardOnce sync.Once
	anchorsGuardErr  error
)

// startAnchorsGuard starts istio-guardrail serve against c and registers the
// DELETE webhook entries as the chart renders them, pointing at its URL.
func startAnchorsGuard(c *framework.Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfgDir := filepath.Join(c.Dir, "config")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		return err
	}
	cfgPath := filepath.Join(cfgDir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(anchorsConfig), 0o600); err != nil {
		return err
	}
	g, err := framework.StartGuardrail(ctx, framework.GuardrailOptions{Name: "anchors", Dir: c.Dir, Binary: c.Binaries.Guardrail,
		Namespace: "istio-guardrail", ConfigPath: cfgPath, Kubeconfig: c.Kubeconfig})
	if err != nil {
		return err
	}
	// The chart's DELETE entries only, with failurePolicy Fail: a call that
	// fails is refused, so TestAnchorsDeleteAllowed cannot pass on a guardrail
	// that never answered.
	vwc, _, err := framework.WebhookConfigurations(ctx, c.Binaries.Helm, framework.WebhookOptions{Name: "istio-guardrail-anchors",
		Namespace: "istio-guardrail", URL: g.URL(), CABundle: g.CA.CertPEM, Values: []string{"anchors.enabled=true", "anchors.failurePolicy=Fail"}})
	if err != nil {
		return err
	}
	vwc.Webhooks = slices.DeleteFunc(vwc.Webhooks, func(w admissionregistrationv1.ValidatingWebhook) bool {
		return !strings.HasPrefix(w.Name, "anchors")
	})
	if len(vwc.Webhooks) != 2 {
		return fmt.Errorf("the chart rendered %d anchors entries, want 2", len(vwc.Webhooks))
	}
	_, err = c.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{})
	return err
}

// deleteArgs turns "Kind namespace/name" into kubectl delete arguments.
func deleteArgs(kind, obj string, extra ...string) []string {
	ns, name, _ := strings.Cut(obj, "/")
	resource := map[string]string{"PeerAuthentication": "peerauthentications.security.istio.io",
		"AuthorizationPolicy": "authorizationpolicies.security.istio.io", "ConfigMap": "configmaps"}[kind]
	return append([]string{"delete", resource, name, "-n", ns}, extra...)
}

func TestAnchorsDeleteRefusedNamingRuleAndBreakGlass(t *testing.T) {
	c := anchorsCluster(t)
	for _, line := range expectedFindings(t, "expected-delete.txt") {
		f := strings.Fields(line) // RULE Kind ns/name field
		t.Run(f[1]+" "+f[2], func(t *testing.T) {
			var r framework.Result
			// The API server picks up a new webhook configuration within moments.
			err := framework.Poll(t.Context(), 30*time.Second, 500*time.Millisecond, func(ctx context.Context) error {
				r = c.Kubectl(ctx, "", deleteArgs(f[1], f[2], "--dry-run=server")...)
				if r.Err == nil {
					return fmt.Errorf("DELETE admitted:\n%s", r)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			out := r.Output()
			for _, want := range []string{"admission webhook", "denied the request", f[0] + " " + f[3] + ":", "break glass", "breakGlassGroups", "istio-guardrail.io/exempt: IGR810"} {
				if !strings.Contains(out, want) {
					t.Errorf("denial does not contain %q:\n%s", want, out)
				}
			}
			// A user outside the break-glass group is refused the same way.
			r = c.Kubectl(t.Context(), "", deleteArgs(f[1], f[2], "--dry-run=server", "--as=bob", "--as-group=developers")...)
			if r.Err == nil || !strings.Contains(r.Output(), f[0]) {
				t.Errorf("a developer's DELETE: want refused by %s, got\n%s", f[0], r)
			}
			// The break-glass group passes.
			r = c.Kubectl(t.Context(), "", deleteArgs(f[1], f[2], "--dry-run=server", "--as=alice", "--as-group=mesh-admins")...)
			if r.Err != nil {
				t.Errorf("break-glass DELETE refused:\n%s", r)
			}
		})
	}
}

func TestAnchorsDeleteAllowed(t *testing.T) {
	c := anchorsCluster(t)
	// Not anchors: another ConfigMap of the root namespace.
	if r := c.Kubectl(t.Context(), "", deleteArgs("ConfigMap", "istio-system/istio-ca-root-cert", "--dry-run=server")...); r.Err != nil {
		t.Errorf("deleting istio-ca-root-cert refused:\n%s", r)
	}
	// The annotation route: an administrator annotated the policy, so it
	// goes for real, with a warning that names the exemption.
	r := c.Kubectl(t.Context(), "", deleteArgs("AuthorizationPolicy", "migrating/deny-all")...)
	if r.Err != nil {
		t.Fatalf("deleting the annotated deny-all refused:\n%s", r)
	}
	if !strings.Contains(r.Output(), "IGR810 break-glass: replaced by a mesh-wide policy") {
		t.Errorf("no break-glass warning:\n%s", r)
	}
	if g := c.Kubectl(t.Context(), "", "get", "authorizationpolicies.security.istio.io", "-n", "migrating", "-o", "name"); strings.TrimSpace(g.Stdout) != "" {
		t.Errorf("deny-all still there: %s", g)
	}
}
