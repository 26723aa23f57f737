package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// reloadTimeout bounds how long a config change may take to apply.
const reloadTimeout = 30 * time.Second

// unboundedDestinationRule is hardened except for its missing connection pool (IGR203).
const unboundedDestinationRule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: unbounded
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
`

// writeConfig replaces the watched GuardrailConfig as a ConfigMap update would.
func writeConfig(t *testing.T, content string) {
	t.Helper()
	if err := env.WriteConfig(content); err != nil {
		t.Fatal(err)
	}
}

// waitVerdict polls a server-side dry run until the webhook denies it
// (wantDenied) or allows it, and returns the last result.
func waitVerdict(ctx context.Context, t *testing.T, ns, manifest string, wantDenied bool) framework.Result {
	t.Helper()
	var last framework.Result
	err := framework.Poll(ctx, reloadTimeout, 250*time.Millisecond, func(ctx context.Context) error {
		last = env.Cluster.Kubectl(ctx, manifest, "apply", "--dry-run=server", "-n", ns, "-f", "-")
		denied := last.Err != nil && strings.Contains(last.Stderr, "denied the request")
		if denied != wantDenied || (!wantDenied && last.Err != nil) {
			return fmt.Errorf("verdict not as wanted (denied=%v) yet: %s", wantDenied, last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

func TestConfigReloadFlipsVerdictWithoutRestart(t *testing.T) {
	ns := newNamespace(t, nil)
	dryRun := func() framework.Result {
		return kubectl(t, unboundedDestinationRule, "apply", "--dry-run=server", "-n", ns, "-f", "-")
	}
	requireDenied(t, dryRun(), "IGR203")

	writeConfig(t, baseConfig+"rules:\n  IGR203:\n    action: warn\n")
	t.Cleanup(func() {
		writeConfig(t, baseConfig)
		waitVerdict(context.Background(), t, ns, unboundedDestinationRule, true)
	})
	r := waitVerdict(t.Context(), t, ns, unboundedDestinationRule, false)
	if !strings.Contains(r.Stderr, "Warning:") || !strings.Contains(r.Stderr, "IGR203") {
		t.Errorf("with IGR203 at warn, want a warning naming it:\n%s", r)
	}

	// An invalid config is rejected; the last good one stays in force.
	writeConfig(t, framework.MinimalConfig+"rulez: {}\n")
	time.Sleep(2 * time.Second)
	requireAllowed(t, dryRun())

	if !env.Guardrail.Running() {
		t.Fatalf("the server exited:\n%s", env.Guardrail.Logs())
	}
}
