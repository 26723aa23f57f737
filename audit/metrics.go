package audit

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// maxGaugeNamespaces bounds the namespaces the posture gauges carry: past
// it, the namespaces with the most failures are kept, the rest summed under
// namespace "_other", so the series stay bounded whatever the cluster.
const maxGaugeNamespaces = 200

// postureMetrics are the background audit's gauges:
//
//	istio_guardrail_posture_findings{namespace,result}  gauge; result: fail|warn; the leader's last evaluation
//	istio_guardrail_posture_leader                      gauge; 1 on the replica that leads the audit
//
// namespace is a namespace with findings ("" for cluster-scoped objects), at
// most maxGaugeNamespaces of them plus "_other".
type postureMetrics struct {
	findings *prometheus.GaugeVec
	leader   prometheus.Gauge
}

func newPostureMetrics(reg prometheus.Registerer) *postureMetrics {
	if reg == nil {
		return nil
	}
	m := &postureMetrics{
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "istio_guardrail_posture_findings",
			Help: "Findings of the background audit's last evaluation, by namespace and result (fail|warn)."}, []string{"namespace", "result"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "istio_guardrail_posture_leader",
			Help: "1 while this replica leads the background audit."}),
	}
	reg.MustRegister(m.findings, m.leader)
	return m
}

func (m *postureMetrics) setLeader(on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.leader.Set(v)
	if !on {
		m.findings.Reset() // only the leader reports posture
	}
}

// observe replaces the gauges with the counts of set.
func (m *postureMetrics) observe(set reportSet) {
	if m == nil {
		return
	}
	type counts struct{ fail, warn int }
	by := map[string]counts{}
	for ns, r := range set.namespaced {
		by[ns] = counts{r.Summary.Fail, r.Summary.Warn}
	}
	if set.cluster != nil {
		by[""] = counts{set.cluster.Summary.Fail, set.cluster.Summary.Warn}
	}
	names := slices.Sorted(maps.Keys(by))
	slices.SortStableFunc(names, func(a, b string) int { return by[b].fail - by[a].fail })
	m.findings.Reset()
	var other counts
	for i, ns := range names {
		c := by[ns]
		if i >= maxGaugeNamespaces {
			other.fail, other.warn = other.fail+c.fail, other.warn+c.warn
			continue
		}
		m.findings.WithLabelValues(ns, "fail").Set(float64(c.fail))
		m.findings.WithLabelValues(ns, "warn").Set(float64(c.warn))
	}
	if len(names) > maxGaugeNamespaces {
		m.findings.WithLabelValues("_other", "fail").Set(float64(other.fail))
		m.findings.WithLabelValues("_other", "warn").Set(float64(other.warn))
	}
}
