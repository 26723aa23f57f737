package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// withRevision adds the istio.io/rev label (which routes an Istio object to
// that revision's validating webhook, as Istio's chart selects it) after the
// manifest's "metadata:" line.
func withRevision(manifest, rev string) string {
	return strings.Replace(manifest, "metadata:\n", "metadata:\n  labels: {istio.io/rev: \""+rev+"\"}\n", 1)
}

// istioDenial is how the API server reports a denial by Istio's validating
// webhook of a revision (the chart names it rev.validation.istio.io).
const istioDenial = `admission webhook "rev.validation.istio.io" denied the request`

// guardrailDenial is the guardrail's validating webhook's.
const guardrailDenial = `admission webhook "` + "validate.istio-guardrail.io" + `" denied the request`

// TestIstioValidationAndGuardrailTogether: Istio's real validating webhook
// (revision revA) and the guardrail's judge the same Istio objects; each
// rejects what it alone rejects, with its own message, and an object both
// accept is stored once.
func TestIstioValidationAndGuardrailTogether(t *testing.T) {
	requireIstio(t)
	ns := revNamespace(t, revA)

	t.Run("Istio rejects, the guardrail accepts", func(t *testing.T) {
		// A regex Envoy cannot compile: Istio's validation rejects it, the
		// CRD schema cannot, and nothing in it breaks a guardrail rule.
		vs := withRevision(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad-regex
spec:
  hosts: [reviews]
  http:
  - match:
    - uri: {regex: "(("}
    timeout: 5s
    retries: {attempts: 2, perTryTimeout: 2s}
    route:
    - destination: {host: reviews}
`, revA)
		if found := checkFindingsOf(t, []byte(vs), ns); len(found["deny"]) > 0 {
			t.Fatalf("precondition: the guardrail must accept the VirtualService, check denies %v", found["deny"])
		}
		r := kubectl(t, vs, "apply", "-n", ns, "-f", "-")
		if r.Err == nil || !strings.Contains(r.Stderr, istioDenial) || strings.Contains(r.Stderr, guardrailDenial) {
			t.Fatalf("want a denial by Istio's webhook only:\n%s", r)
		}
		if !strings.Contains(r.Stderr, "regex") {
			t.Errorf("Istio's message should name the invalid regex:\n%s", r)
		}
		requireNotFound(t, ns, "virtualservice", "bad-regex")
	})

	t.Run("the guardrail rejects, Istio accepts", func(t *testing.T) {
		pa := withRevision(testdata(t, "rejected/peerauthentication.yaml"), revA)
		dry := kubectl(t, pa, "apply", "--dry-run=server", "-n", ns, "-f", "-")
		if dry.Err == nil || !strings.Contains(dry.Stderr, guardrailDenial) || strings.Contains(dry.Stderr, istioDenial) {
			t.Fatalf("want a denial by the guardrail only:\n%s", dry)
		}
		requireDenied(t, dry, "IGR101")
		// Istio alone accepts it: with the guardrail's validation out of the
		// way (its configuration removed for a moment), the same object is
		// stored.
		withoutGuardrailValidation(t)
		requireAllowed(t, kubectl(t, pa, "apply", "--dry-run=server", "-n", ns, "-f", "-"))
	})

	t.Run("both accept: stored once", func(t *testing.T) {
		dr := withRevision(testdata(t, "hardened/destinationrule.yaml"), revA)
		r := kubectl(t, dr, "apply", "-n", ns, "-f", "-")
		requireAllowed(t, r)
		if !strings.Contains(r.Stdout, "created") {
			t.Errorf("want the DestinationRule created:\n%s", r)
		}
		l := kubectl(t, "", "get", "destinationrules", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}:{.metadata.generation}{\"\\n\"}{end}")
		requireAllowed(t, l)
		if got := strings.TrimSpace(l.Stdout); got != "hardened:1" {
			t.Errorf("stored DestinationRules (name:generation) = %q, want exactly hardened:1", got)
		}
		again := kubectl(t, dr, "apply", "-n", ns, "-f", "-")
		requireAllowed(t, again)
		if !strings.Contains(again.Stdout, "unchanged") {
			t.Errorf("a second apply must change nothing:\n%s", again)
		}
	})
}

// withoutGuardrailValidation removes the guardrail's validating
// configuration for the rest of the test.
func withoutGuardrailValidation(t *testing.T) {
	t.Helper()
	adm := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if err := adm.Delete(t.Context(), env.WebhookName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.RegisterWebhooks(context.Background()); err != nil {
			t.Errorf("restore the webhook configurations: %v", err)
		}
	})
}
