package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// meshConfigMap is istiod's unrevisioned mesh ConfigMap in istio-system
// with mode as its outbound traffic policy and the rest hardened for
// IGR606-IGR610.
func meshConfigMap(mode string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: %s
data:
  mesh: |
    outboundTrafficPolicy:
      mode: %s
    accessLogFile: /dev/stdout
    accessLogEncoding: JSON
    defaultConfig:
      holdApplicationUntilProxyStarts: true
`, framework.IstioNamespace, mode)
}

// TestMeshConfigEntryJudgesTheMeshConfigMap registers the chart's mesh-config
// entry (the one the Env leaves out, see Env.WebhookOptions) for
// istio-system, on its own, and shows through the API server that
// ConfigMap CREATE and UPDATE there reach the guardrail: the mesh ConfigMap
// allowing outbound traffic to unknown destinations is denied by IGR606, the
// hardened one is created, and an update back to ALLOW_ANY is denied.
func TestMeshConfigEntryJudgesTheMeshConfigMap(t *testing.T) {
	ctx := t.Context()
	requireNoErr(t, env.Cluster.CreateNamespace(ctx, framework.IstioNamespace, nil))
	o := env.WebhookOptions()
	o.Name = env.WebhookName + "-meshconfig-e2e"
	o.Values = []string{"webhook.meshConfig.enabled=true", "webhook.meshConfig.namespaces={" + framework.IstioNamespace + "}"}
	vwc, _, err := framework.WebhookConfigurations(ctx, env.Cluster.Binaries.Helm, o)
	requireNoErr(t, err)
	var entry []admissionregistrationv1.ValidatingWebhook
	for _, w := range vwc.Webhooks {
		if strings.HasPrefix(w.Name, "meshconfig.") {
			entry = append(entry, w)
		}
	}
	if len(entry) != 1 {
		t.Fatalf("WebhookConfigurations registered %d mesh-config entries, want 1", len(entry))
	}
	vwc.Webhooks = entry
	adm := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	_, err = adm.Create(ctx, vwc, metav1.CreateOptions{})
	requireNoErr(t, err)
	t.Cleanup(func() {
		_ = adm.Delete(context.Background(), vwc.Name, metav1.DeleteOptions{})
		_ = env.Cluster.Kubectl(context.Background(), "", "delete", "configmap", "istio", "-n", framework.IstioNamespace, "--ignore-not-found")
	})
	// The API server picks up a new configuration asynchronously.
	var r framework.Result
	err = framework.Poll(ctx, 30*time.Second, 250*time.Millisecond, func(ctx context.Context) error {
		r = env.Cluster.Kubectl(ctx, meshConfigMap("ALLOW_ANY"), "create", "--dry-run=server", "-f", "-")
		if r.Err == nil {
			return fmt.Errorf("not denied yet: %s", r)
		}
		return nil
	})
	requireNoErr(t, err)
	requireDenied(t, r, "IGR606")
	requireAllowed(t, kubectl(t, meshConfigMap("REGISTRY_ONLY"), "create", "-f", "-"))
	requireDenied(t, kubectl(t, meshConfigMap("ALLOW_ANY"), "apply", "-f", "-"), "IGR606")
}
