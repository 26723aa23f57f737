package e2e

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape returns the metric lines (no comments) of the guardrail's /metrics.
func scrape(t *testing.T) []string {
	t.Helper()
	return scrapePort(t, env.Guardrail.MetricsPort)
}

// scrapePort returns the metric lines of the /metrics served on port.
func scrapePort(t *testing.T, port int) []string {
	t.Helper()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/metrics"
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("scrape /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape /metrics: status %d: %s", resp.StatusCode, b)
	}
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestMetricsFollowAdmissionTraffic checks /metrics after real API server
// traffic: the denial is counted by decision and by rule, and the serving
// certificate's expiry is exported.
func TestMetricsFollowAdmissionTraffic(t *testing.T) {
	ns := newNamespace(t, nil)
	requireDenied(t, kubectl(t, testdata(t, "rejected/peerauthentication.yaml"), "apply", "-n", ns, "-f", "-"), "IGR101")
	lines := scrape(t)
	cases := map[string]func(string) bool{
		"a denied PeerAuthentication request is counted": func(l string) bool {
			return strings.HasPrefix(l, "istio_guardrail_requests_total{") && strings.Contains(l, `"PeerAuthentication"`) &&
				strings.Contains(l, `"denied"`)
		},
		"the IGR101 finding is counted": func(l string) bool {
			return strings.HasPrefix(l, "istio_guardrail_findings_total{") && strings.Contains(l, `"IGR101"`)
		},
		"the certificate expiry is in the future": func(l string) bool {
			v, ok := strings.CutPrefix(l, "istio_guardrail_certificate_expiry_timestamp_seconds ")
			f, err := strconv.ParseFloat(v, 64)
			return ok && err == nil && f > float64(time.Now().Unix())
		},
		"request latency is observed": func(l string) bool {
			return strings.HasPrefix(l, "istio_guardrail_request_duration_seconds_count")
		},
	}
	for desc, match := range cases {
		t.Run(desc, func(t *testing.T) {
			for _, l := range lines {
				if match(l) {
					return
				}
			}
			t.Errorf("no matching metric among:\n%s", strings.Join(lines, "\n"))
		})
	}
}
