package e2e

import (
	"os"
	"strings"
	"testing"
)

// legacyDestinationRule is unboundedDestinationRule (IGR203: no connection
// pool) under another name, held by a finalizer no controller removes.
const legacyDestinationRule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: legacy
  finalizers: [e2e.istio-guardrail.io/hold]
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
`

// TestRatchetPreexistingViolations creates a DestinationRule that violates
// IGR203 while the rule is off, turns the rule back on (deny), and shows
// through the real kubectl that the object stays manageable: a
// metadata-only update succeeds with a "pre-existing" warning, an update
// that adds a violation is still denied, and the delete/finalizer-removal
// flow completes instead of hanging in Terminating.
func TestRatchetPreexistingViolations(t *testing.T) {
	ns := newNamespace(t, nil)
	writeConfig(t, baseConfig+"rules:\n  IGR203:\n    action: off\n")
	t.Cleanup(func() { writeConfig(t, baseConfig) })
	waitVerdict(t.Context(), t, ns, unboundedDestinationRule, false)
	requireAllowed(t, kubectl(t, legacyDestinationRule, "apply", "-n", ns, "-f", "-"))

	writeConfig(t, baseConfig) // IGR203 back at deny
	waitVerdict(t.Context(), t, ns, unboundedDestinationRule, true)

	t.Run("metadata-only update is allowed with a warning", func(t *testing.T) {
		r := kubectl(t, "", "label", "destinationrule", "legacy", "-n", ns, "team=payments")
		requireAllowed(t, r)
		if !strings.Contains(r.Stderr, "Warning: pre-existing: IGR203") {
			t.Errorf("want a pre-existing IGR203 warning:\n%s", r)
		}
	})
	t.Run("update adding a violation is denied", func(t *testing.T) {
		r := kubectl(t, "", "patch", "destinationrule", "legacy", "-n", ns, "--type=merge",
			"-p", `{"spec":{"trafficPolicy":{"tls":{"mode":"DISABLE"}}}}`)
		requireDenied(t, r, "IGR201")
		if _, msg, _ := strings.Cut(r.Stderr, "denied the request"); strings.Contains(msg, "IGR203 trafficPolicy") {
			t.Errorf("the denial lists the pre-existing IGR203 as if it were new:\n%s", r)
		}
		get := kubectl(t, "", "get", "destinationrule", "legacy", "-n", ns, "-o", "jsonpath={.spec.trafficPolicy.tls.mode}")
		if get.Stdout != "ISTIO_MUTUAL" {
			t.Errorf("stored tls.mode = %q, want ISTIO_MUTUAL unchanged:\n%s", get.Stdout, get)
		}
	})
	t.Run("finalizer removal completes the deletion", func(t *testing.T) {
		requireAllowed(t, kubectl(t, "", "delete", "destinationrule", "legacy", "-n", ns, "--wait=false"))
		get := kubectl(t, "", "get", "destinationrule", "legacy", "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp}")
		if get.Err != nil || get.Stdout == "" {
			t.Fatalf("want the object held in Terminating by its finalizer:\n%s", get)
		}
		r := kubectl(t, "", "patch", "destinationrule", "legacy", "-n", ns, "--type=json",
			"-p", `[{"op":"remove","path":"/metadata/finalizers"}]`)
		requireAllowed(t, r)
		if !strings.Contains(r.Stderr, "being deleted") {
			t.Errorf("want a warning that the terminating object was not validated:\n%s", r)
		}
		requireNotFound(t, ns, "destinationrule", "legacy")
	})
	logs, err := os.ReadFile(env.Guardrail.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"allowed-preexisting", "allowed-terminating"} {
		if !strings.Contains(string(logs), `"decision":"`+d+`"`) {
			t.Errorf("the server logged no %s decision", d)
		}
	}
}
