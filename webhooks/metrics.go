package webhooks

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metric names. The Helm chart's PrometheusRule and dashboards use exactly
// these names; do not rename them.
//
//	istio_guardrail_requests_total{kind,operation,decision}   counter; decision: allowed|allowed-preexisting|allowed-terminating|warned|denied|mutated|error
//	istio_guardrail_findings_total{rule,action}                counter; action: deny|warn|audit (the mutating
//	                                                           webhook's check of its final object counts as audit)
//	istio_guardrail_request_duration_seconds{webhook}          histogram; webhook: validate|mutate
//	istio_guardrail_certificate_expiry_timestamp_seconds       gauge; NotAfter of the served leaf (0 if none)
//	istio_guardrail_config_reloads_total{result}               counter; result: success|failure
//	istio_guardrail_mutations_total{mutator}                   counter; one per mutator that changed an object
const (
	MetricRequests          = "istio_guardrail_requests_total"
	MetricFindings          = "istio_guardrail_findings_total"
	MetricRequestDuration   = "istio_guardrail_request_duration_seconds"
	MetricCertificateExpiry = "istio_guardrail_certificate_expiry_timestamp_seconds"
	MetricConfigReloads     = "istio_guardrail_config_reloads_total"
	MetricMutations         = "istio_guardrail_mutations_total"
)

// Metrics are the server's Prometheus collectors, registered on a dedicated
// registry (never the global one). A nil *Metrics records nothing.
type Metrics struct {
	requests  *prometheus.CounterVec
	findings  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	reloads   *prometheus.CounterVec
	mutations *prometheus.CounterVec
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
	}
	reg.MustRegister(m.requests, m.findings, m.duration, m.reloads, m.mutations,
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

func (m *Metrics) request(webhook, kind, op, decision string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(kind, op, decision).Inc()
	m.duration.WithLabelValues(webhook).Observe(d.Seconds())
}

func (m *Metrics) finding(rule, action string) {
	if m != nil {
		m.findings.WithLabelValues(rule, action).Inc()
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
