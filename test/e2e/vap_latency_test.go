package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
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

// latencyRounds is how often each configuration is measured; rounds of the
// three configurations alternate, so drift in the machine's load hits all
// three alike.
const latencyRounds = 5

// validateStep reads the API server's own measure of its validating
// admission step (apiserver_admission_step_admission_duration_seconds,
// type="validate", every label set summed): total seconds and requests.
func (v *vapCluster) validateStep(t *testing.T) (float64, float64) {
	t.Helper()
	body, err := v.c.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	requireNoErr(t, err)
	var sum, count float64
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for name, into := range map[string]*float64{"_sum{": &sum, "_count{": &count} {
			prefix := "apiserver_admission_step_admission_duration_seconds" + name
			if !strings.HasPrefix(line, prefix) || !strings.Contains(line, `type="validate"`) {
				continue
			}
			f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			requireNoErr(t, err)
			*into += f
		}
	}
	return sum, count
}

// latency is what one configuration measured.
type latency struct {
	client       []time.Duration // round trip of each dry-run CREATE
	stepSeconds  float64         // the API server's validating admission step, summed
	stepRequests float64
}

func (l *latency) median() time.Duration { return l.client[len(l.client)/2] }
func (l *latency) p90() time.Duration    { return l.client[len(l.client)*9/10] }
func (l *latency) step() time.Duration {
	return time.Duration(l.stepSeconds / l.stepRequests * float64(time.Second))
}

// measureVAPLatency sends the same stored golden objects, one at a time as
// server-side dry-run CREATEs, to the same API server in three
// configurations, in alternating rounds: no admission (baseline), the
// generated policies only, and the guardrail's webhook only. It logs the
// client's round trip (median, p90) and the API server's own mean time in
// the validating admission step, and their ratios, for BENCHMARKS.md.
func measureVAPLatency(t *testing.T, v *vapCluster, cases []vapCase) {
	o := env.WebhookOptions()
	vwc, mwc, err := framework.WebhookConfigurations(t.Context(), env.Cluster.Binaries.Helm, o)
	requireNoErr(t, err)
	t.Cleanup(func() { _ = framework.DeleteWebhookConfigurations(t.Context(), v.c.Client, o.Name) })
	configure := map[string]func(){
		"policies": func() {
			v.install(t, formSettings(""))
			v.waitFor(t, "denying", func(err error, _ []string) bool {
				return err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy")
			})
		},
		"none": func() {
			v.uninstall(t)
			v.waitFor(t, "gone", func(err error, _ []string) bool { return err == nil })
		},
		"webhook": func() {
			requireNoErr(t, framework.ApplyWebhookConfigurations(t.Context(), v.c.Client, vwc, mwc))
			v.waitFor(t, "webhook denying", func(err error, _ []string) bool {
				return err != nil && strings.Contains(err.Error(), "denied the request")
			})
		},
	}
	unconfigure := map[string]func(){
		"policies": func() { v.uninstall(t) },
		"none":     func() {},
		"webhook":  func() { requireNoErr(t, framework.DeleteWebhookConfigurations(t.Context(), v.c.Client, o.Name)) },
	}
	modes := []string{"policies", "none", "webhook"}
	got := map[string]*latency{}
	for _, m := range modes {
		got[m] = &latency{}
	}
	for range latencyRounds {
		for _, m := range modes {
			configure[m]()
			l := got[m]
			s0, c0 := v.validateStep(t)
			for _, c := range cases {
				start := time.Now()
				_, _ = v.dryRunCreate(t.Context(), c.stored)
				l.client = append(l.client, time.Since(start))
			}
			s1, c1 := v.validateStep(t)
			l.stepSeconds += s1 - s0
			l.stepRequests += c1 - c0
			unconfigure[m]()
		}
	}
	for _, m := range modes {
		sort.Slice(got[m].client, func(i, j int) bool { return got[m].client[i] < got[m].client[j] })
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p, n, w := got["policies"], got["none"], got["webhook"]
	t.Logf("admission latency, %d objects x %d alternating rounds per configuration, dry-run CREATE, one at a time:", len(cases), latencyRounds)
	for _, m := range modes {
		l := got[m]
		t.Logf("  %-8s client round trip median %.2f ms, p90 %.2f ms; API server validating step mean %.3f ms over %.0f requests",
			m, ms(l.median()), ms(l.p90()), ms(l.step()), l.stepRequests)
	}
	t.Logf("  ratio policies/webhook: validating step %.2f, client median %.2f, client median over the baseline %.2f",
		float64(p.step())/float64(w.step()), float64(p.median())/float64(w.median()),
		float64(p.median()-n.median())/float64(w.median()-n.median()))
	if p.stepRequests < float64(len(cases)) || w.stepRequests < float64(len(cases)) {
		t.Errorf("the API server counted %.0f and %.0f validating steps for %d requests per configuration", p.stepRequests, w.stepRequests, len(cases)*latencyRounds)
	}
}
