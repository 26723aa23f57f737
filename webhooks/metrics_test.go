package webhooks

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestMetricsEndpoint(t *testing.T) {
	src, ca := selfManagedSource(t, time.Hour)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, src.Expiry)
	pol := NewPolicy(m, nil)
	pol.Set(fakeEngine{})
	pol.Reject(errNoPolicy)
	o := fakeOptions()
	o.Policy, o.Metrics = pol, m
	ts := startServer(t, ServerOptions{Certificates: src, Validator: NewValidator(o), Mutator: NewMutator(o),
		Gatherer: reg, MetricsAddr: "127.0.0.1:0"})
	client := httpClient(clientTLS(t, ca), true)
	base := "https://" + ts.WebhookAddr()
	if _, err := postReview(client, base+PathValidate, request(admissionv1.Create, podKind, "app",
		podJSON(map[string]string{annDeny: "bad|worse", annAudit: "noted"}, ""))); err != nil {
		t.Fatal(err)
	}
	if _, err := postReview(client, base+PathMutate, request(admissionv1.Create, podKind, "app",
		podJSON(map[string]string{annMutate: ""}, ""))); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + ts.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`istio_guardrail_requests_total{decision="denied",kind="Pod",operation="CREATE"} 1`,
		`istio_guardrail_requests_total{decision="mutated",kind="Pod",operation="CREATE"} 1`,
		// IGR101 is in the registry; the fake engine's IGR100 and IGR300 are
		// not, so they are counted as "other", as any forged rule ID would be.
		`istio_guardrail_findings_total{action="deny",rule="IGR101"} 1`,
		`istio_guardrail_findings_total{action="deny",rule="other"} 1`,
		`istio_guardrail_findings_total{action="audit",rule="other"} 1`,
		`istio_guardrail_mutations_total{mutator="IGR901"} 1`,
		`istio_guardrail_config_reloads_total{result="success"} 1`,
		`istio_guardrail_config_reloads_total{result="failure"} 1`,
		`istio_guardrail_request_duration_seconds_bucket{webhook="validate",le="+Inf"} 1`,
		`istio_guardrail_certificate_expiry_timestamp_seconds `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestKindLabels: a kind the engine targets is labelled by its bare name,
// unless two groups share the name (Istio's and the Gateway API's Gateway),
// whose series would then merge: those carry their group. Anything else is
// "other".
func TestKindLabels(t *testing.T) {
	for gk, want := range map[schema.GroupKind]string{
		{Kind: "Pod"}: "Pod",
		{Group: "security.istio.io", Kind: "PeerAuthentication"}: "PeerAuthentication",
		{Group: "networking.istio.io", Kind: "Gateway"}:          "Gateway.networking.istio.io",
		{Group: "gateway.networking.k8s.io", Kind: "Gateway"}:    "Gateway.gateway.networking.k8s.io",
		{Group: "networking.istio.io", Kind: "Sidecar"}:          "Sidecar",
		{Group: "example.com", Kind: "Gateway"}:                  labelOther,
		{Group: "example.com", Kind: "PeerAuthentication"}:       labelOther,
	} {
		if got := kindLabel(gk); got != want {
			t.Errorf("kindLabel(%v) = %q, want %q", gk, got, want)
		}
	}
}
