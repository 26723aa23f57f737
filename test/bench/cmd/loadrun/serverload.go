package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/bench"
	"github.com/istio-guardrail/istio-guardrail/test/bench/load"
)

// loadUID is the request uid of every load-run review.
const loadUID = "6f1e9c2a-8b3d-4a7e-9c5f-0d1b2a3c4e5f"

// workload is one endpoint and body loaded at every concurrency.
type workload struct {
	path    string // /validate or /mutate
	fixture string
	body    []byte
}

// cell is one closed-loop run of one server.
type cell struct {
	w      workload
	conc   int
	server string
	res    load.Result
}

// loadPlan bounds the server runs.
type loadPlan struct {
	conc        []int
	duration    time.Duration
	maxRequests int64
	openConc    int
}

// workloads returns the admission requests the load run sends: the
// Istio-injected pod to /validate and to /mutate. (Without API access the
// server knows no namespace labels, so only a pod that carries its own
// mesh signal, the injected istio-proxy, is mutated.)
func workloads() ([]workload, error) {
	var out []workload
	for _, w := range []struct{ path, fixture string }{{"/validate", "injected-pod"}, {"/mutate", "injected-pod"}} {
		f, err := bench.FixtureByName(w.fixture)
		if err != nil {
			return nil, err
		}
		out = append(out, workload{path: w.path, fixture: w.fixture, body: f.Review(loadUID)})
	}
	return out, nil
}

// checkAllowed accepts a 200 AdmissionReview that echoes the uid and allows.
func checkAllowed(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %s", status, tail(body, 200))
	}
	if !bytes.Contains(body, []byte(`"uid":"`+loadUID+`"`)) || !bytes.Contains(body, []byte(`"allowed":true`)) {
		return fmt.Errorf("unexpected response: %s", tail(body, 200))
	}
	return nil
}

// closedLoop runs every workload at every concurrency against both servers,
// alternating which goes first so drift in machine load hits both.
func closedLoop(ctx context.Context, servers []*serverProc, cas *x509.CertPool, ws []workload, p loadPlan) []cell {
	var cells []cell
	i := 0
	for _, w := range ws {
		for _, c := range p.conc {
			order := servers
			if i%2 == 1 {
				order = []*serverProc{servers[1], servers[0]}
			}
			i++
			for _, s := range order {
				t := load.Target{URL: s.url + w.path, Body: w.body, CAs: cas, PID: s.pid()}
				res := load.Run(ctx, t, load.Options{Concurrency: c, Duration: p.duration, MaxRequests: p.maxRequests, Check: checkAllowed})
				cells = append(cells, cell{w: w, conc: c, server: s.name, res: res})
			}
		}
	}
	return cells
}

// openLoop paces each workload at half the real server's best closed-loop
// rate and measures latency on both servers at that rate.
func openLoop(ctx context.Context, servers []*serverProc, cas *x509.CertPool, ws []workload, closed []cell, p loadPlan) []cell {
	var cells []cell
	for _, w := range ws {
		rate := bestRPS(closed, w.path, servers[1].name) / 2
		if rate <= 0 {
			continue
		}
		for _, s := range servers {
			t := load.Target{URL: s.url + w.path, Body: w.body, CAs: cas, PID: s.pid()}
			res := load.Run(ctx, t, load.Options{Concurrency: p.openConc, Duration: p.duration, MaxRequests: p.maxRequests, Rate: rate, Check: checkAllowed})
			cells = append(cells, cell{w: w, conc: int(rate), server: s.name, res: res})
		}
	}
	return cells
}

// bestRPS is the highest closed-loop throughput of server on path.
func bestRPS(cells []cell, path, server string) float64 {
	best := 0.0
	for _, c := range cells {
		if c.w.path == path && c.server == server && c.res.RPS() > best {
			best = c.res.RPS()
		}
	}
	return best
}

// writeClosed prints the closed-loop cells and the real/null ratios.
func writeClosed(w io.Writer, cells []cell, guardrailName, null string) {
	fmt.Fprintln(w, "### Server throughput vs the null webhook (closed loop, HTTPS keep-alive HTTP/1.1, loopback)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| path (object) | concurrency | server | req/s | p50 | p99 | p99.9 | server CPU/req | failures |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range cells {
		r := c.res
		fmt.Fprintf(w, "| %s (%s) | %d | %s | %.0f | %s | %s | %s | %s | %d |\n", c.w.path, c.w.fixture, c.conc, c.server,
			r.RPS(), ms(r.P50), ms(r.P99), ms(r.P999), us(r.CPUPerRequest), r.Failures)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| path | concurrency | **throughput real/null** | CPU/req real/null | target ≥0.70x |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, c := range cells {
		if c.server != guardrailName {
			continue
		}
		n, ok := find(cells, c.w.path, c.conc, null)
		if !ok || n.res.RPS() == 0 {
			continue
		}
		tr := c.res.RPS() / n.res.RPS()
		fmt.Fprintf(w, "| %s | %d | **%.2fx** | %s | %s |\n", c.w.path, c.conc, tr, ratio(c.res.CPUPerRequest, n.res.CPUPerRequest), verdict(tr >= 0.7))
	}
	fmt.Fprintln(w)
	firstErrors(w, cells)
}

// writeOpen prints the open-loop cells.
func writeOpen(w io.Writer, cells []cell, guardrailName string) {
	if len(cells) == 0 {
		return
	}
	fmt.Fprintln(w, "### Latency at half saturation (open loop, rate = ½ the real server's best closed-loop req/s)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| path (object) | rate req/s | server | achieved req/s | p50 | p99 | p99.9 | target p99 < 1 ms |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---|")
	for _, c := range cells {
		v := ""
		if c.server == guardrailName {
			v = verdict(c.res.P99 < time.Millisecond)
		}
		fmt.Fprintf(w, "| %s (%s) | %d | %s | %.0f | %s | %s | %s | %s |\n", c.w.path, c.w.fixture, c.conc, c.server,
			c.res.RPS(), ms(c.res.P50), ms(c.res.P99), ms(c.res.P999), v)
	}
	fmt.Fprintln(w)
	firstErrors(w, cells)
}

// firstErrors lists the first failure of every cell that had failures.
func firstErrors(w io.Writer, cells []cell) {
	for _, c := range cells {
		if c.res.Failures > 0 {
			fmt.Fprintf(w, "- %s %s c=%d: %d failures, first: %s\n", c.server, c.w.path, c.conc, c.res.Failures, c.res.FirstErr)
		}
	}
}

func find(cells []cell, path string, conc int, server string) (cell, bool) {
	for _, c := range cells {
		if c.w.path == path && c.conc == conc && c.server == server {
			return c, true
		}
	}
	return cell{}, false
}
