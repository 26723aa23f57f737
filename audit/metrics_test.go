package audit

import (
	"fmt"
	"strings"
	"testing"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestPostureMetricsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newPostureMetrics(reg)
	m.setLeader(true)
	set := reportSet{namespaced: map[string]*orv1alpha1.Report{}}
	for i := range maxGaugeNamespaces + 10 {
		set.namespaced[fmt.Sprintf("ns-%03d", i)] = &orv1alpha1.Report{Summary: orv1alpha1.ReportSummary{Fail: i, Warn: 1}}
	}
	m.observe(set)
	if n := testutil.CollectAndCount(m.findings); n != 2*(maxGaugeNamespaces+1) {
		t.Errorf("%d series, want %d (the namespaces kept and _other, two results each)", n, 2*(maxGaugeNamespaces+1))
	}
	// The ten namespaces with the fewest failures (ns-000..ns-009) are summed.
	if got := testutil.ToFloat64(m.findings.WithLabelValues("_other", "fail")); got != 45 {
		t.Errorf("_other fail = %v, want 45", got)
	}
	if got := testutil.ToFloat64(m.findings.WithLabelValues("ns-209", "fail")); got != 209 {
		t.Errorf("ns-209 fail = %v, want 209", got)
	}
	m.setLeader(false)
	if n := testutil.CollectAndCount(m.findings); n != 0 {
		t.Errorf("a replica that no longer leads still reports %d series", n)
	}
	want := "# HELP istio_guardrail_posture_leader 1 while this replica leads the background audit.\n# TYPE istio_guardrail_posture_leader gauge\nistio_guardrail_posture_leader 0\n"
	if err := testutil.CollectAndCompare(m.leader, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
