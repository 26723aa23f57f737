package webhooks

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Metric names. The Helm chart's PrometheusRule and dashboards use exactly
// these names; do not rename them.
//
//	istio_guardrail_requests_total{kind,operation,decision}   counter; decision: allowed|allowed-preexisting|allowed-terminating|warned|denied|exempted|mutated|error|other
//	istio_guardrail_findings_total{rule,action}                counter; action: deny|warn|audit (the mutating
//	                                                           webhook's check of its final object counts as audit)
//	istio_guardrail_request_duration_seconds{webhook}          histogram; webhook: validate|mutate
//	istio_guardrail_certificate_expiry_timestamp_seconds       gauge; NotAfter of the served leaf (0 if none)
//	istio_guardrail_config_reloads_total{result}               counter; result: success|failure
//	istio_guardrail_mutations_total{mutator}                   counter; one per mutator that changed an object
//	istio_guardrail_exemptions_total{rule}                     counter; one per rule an honoured exemption annotation
//	                                                           suppressed findings of (validating webhook)
//	istio_guardrail_requests_rejected_total{webhook,code}      counter; requests answered with an HTTP error instead
//	                                                           of a review's verdict. webhook: validate|mutate|other;
//	                                                           code: 400|405|408|413|415|429|500|503|other
//
// Label values never come from the request unbounded: kind is a kind the
// engine knows (Kind.group for a kind two groups share: Gateway), operation one of CREATE|UPDATE|DELETE|CONNECT, rule an ID of
// the registry; anything else is "other" (see bounds.go).
const (
	MetricRequests          = "istio_guardrail_requests_total"
	MetricFindings          = "istio_guardrail_findings_total"
	MetricRequestDuration   = "istio_guardrail_request_duration_seconds"
	MetricCertificateExpiry = "istio_guardrail_certificate_expiry_timestamp_seconds"
	MetricConfigReloads     = "istio_guardrail_config_reloads_total"
	MetricMutations         = "istio_guardrail_mutations_total"
	MetricExemptions        = "istio_guardrail_exemptions_total"
	MetricRequestsRejected  = "istio_guardrail_requests_rejected_total"
)

// Metrics are the server's Prometheus collectors, registered on a dedicated
// registry (never the global one). A nil *Metrics records nothing.
type Metrics struct {
	requests   *prometheus.CounterVec
	findings   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	reloads    *prometheus.CounterVec
	mutations  *prometheus.CounterVec
	exemptions *prometheus.CounterVec
	rejected   *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them, with the Go and
// process collectors, on reg. certExpiry reports the served certificate's
// NotAfter; nil reports nothing.
func NewMetrics(reg prometheus.Registerer, certExpiry func() time.Time) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequests, Help: "Admission requests by kind, operation and decision.",
		}, []string{"kind", "operation", "decision"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricFindings, Help: "Rule findings by rule ID and action.",
		}, []string{"rule", "action"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricRequestDuration, Help: "Time to answer an admission request.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"webhook"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricConfigReloads, Help: "Configuration loads by result.",
		}, []string{"result"}),
		mutations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricMutations, Help: "Objects changed, by mutator ID.",
		}, []string{"mutator"}),
		exemptions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricExemptions, Help: "Rules whose findings an exemption annotation suppressed, by rule ID.",
		}, []string{"rule"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequestsRejected,
			Help: "Requests answered with an HTTP error (bad input, body cap, in-flight cap, no configuration, handler failure) instead of a verdict, by webhook and status code.",
		}, []string{"webhook", "code"}),
	}
	reg.MustRegister(m.requests, m.findings, m.duration, m.reloads, m.mutations, m.exemptions, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if certExpiry != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: MetricCertificateExpiry, Help: "NotAfter of the served certificate, in Unix seconds (0 if none).",
		}, func() float64 {
			if t := certExpiry(); !t.IsZero() {
				return float64(t.Unix())
			}
			return 0
		}))
	}
	return m
}

// request counts one admission. Every label is bounded (see bounds.go): the
// kind only if the engine knows it, the operation only if admission has it,
// the decision from the fixed set; anything else is "other".
func (m *Metrics) request(webhook string, gk schema.GroupKind, op admissionv1.Operation, decision string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(kindLabel(gk), operationLabel(op), decisionLabel(decision)).Inc()
	m.duration.WithLabelValues(webhook).Observe(d.Seconds())
}

func (m *Metrics) finding(rule, action string) {
	if m != nil {
		m.findings.WithLabelValues(ruleLabel(rule), action).Inc()
	}
}

// exemption counts one rule whose findings an honoured exemption suppressed.
func (m *Metrics) exemption(rule string) {
	if m != nil {
		m.exemptions.WithLabelValues(ruleLabel(rule)).Inc()
	}
}

func (m *Metrics) mutation(id string) {
	if m != nil {
		m.mutations.WithLabelValues(id).Inc()
	}
}

func (m *Metrics) configReload(result string) {
	if m != nil {
		m.reloads.WithLabelValues(result).Inc()
	}
}

// rejection counts one request answered with HTTP status code instead of a
// review's verdict. Both labels come from fixed sets (see bounds.go): a
// webhook path we do not serve never reaches a review handler, and a code
// outside the set is "other".
func (m *Metrics) rejection(webhook string, code int) {
	if m != nil {
		m.rejected.WithLabelValues(webhookLabel(webhook), codeLabel(code)).Inc()
	}
}
