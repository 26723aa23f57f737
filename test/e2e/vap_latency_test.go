package e2e

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// latencyRounds is how often the corpus is sent per configuration.
const latencyRounds = 3

// measureVAPLatency sends the same stored golden objects, one at a time as
// server-side dry-run CREATEs, to the same API server three ways: with no
// admission (baseline), with the generated policies only, and with the
// guardrail's webhook only, and logs the medians, p90s and the ratio of the
// admission overheads (median minus baseline median) for BENCHMARKS.md.
func measureVAPLatency(t *testing.T, v *vapCluster, cases []vapCase) {
	run := func() []time.Duration {
		var out []time.Duration
		for range latencyRounds {
			for _, c := range cases {
				start := time.Now()
				_, _ = v.dryRunCreate(t.Context(), c.stored)
				out = append(out, time.Since(start))
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	// Policies only.
	v.install(t, formSettings(""))
	v.waitFor(t, "denying", func(err error, _ []string) bool { return err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy") })
	vap := run()
	// Nothing.
	v.uninstall(t)
	v.waitFor(t, "gone", func(err error, _ []string) bool { return err == nil })
	base := run()
	// The webhook only: the suite's guardrail server, registered in this
	// API server with the chart's settings.
	o, err := env.WebhookOptions()
	requireNoErr(t, err)
	o.IstioOperators = false
	vwc, mwc := framework.WebhookConfigurations(o)
	requireNoErr(t, framework.ApplyWebhookConfigurations(t.Context(), v.c.Client, vwc, mwc))
	t.Cleanup(func() { _ = framework.DeleteWebhookConfigurations(t.Context(), v.c.Client, o.Name) })
	v.waitFor(t, "webhook denying", func(err error, _ []string) bool { return err != nil && strings.Contains(err.Error(), "denied the request") })
	webhook := run()

	med := func(d []time.Duration) time.Duration { return d[len(d)/2] }
	p90 := func(d []time.Duration) time.Duration { return d[len(d)*9/10] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	t.Logf("admission latency, %d requests each (%d objects x %d rounds), dry-run CREATE, one at a time:", len(vap), len(cases), latencyRounds)
	t.Logf("  no admission:  median %.2f ms, p90 %.2f ms", ms(med(base)), ms(p90(base)))
	t.Logf("  policies only: median %.2f ms, p90 %.2f ms", ms(med(vap)), ms(p90(vap)))
	t.Logf("  webhook only:  median %.2f ms, p90 %.2f ms", ms(med(webhook)), ms(p90(webhook)))
	over := func(d []time.Duration) time.Duration { return med(d) - med(base) }
	t.Logf("  admission overhead: policies %.2f ms, webhook %.2f ms; median ratio policies/webhook %.2f, overhead ratio %.2f",
		ms(over(vap)), ms(over(webhook)), float64(med(vap))/float64(med(webhook)), float64(over(vap))/float64(over(webhook)))
}
