// Command loadrun measures what the Go benchmarks cannot: the real
// `istio-guardrail serve` process against a null webhook on the same stack
// (cmd/nullwebhook), loaded alternately over loopback HTTPS at several
// concurrencies and open-loop at half saturation, with CPU time per request
// and peak RSS read from /proc; and `istio-guardrail check` over a generated
// corpus (objects per CPU-second, start-up time, peak RSS). It prints
// Markdown for BENCHMARKS.md. Every run is bounded in time and requests.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// options are the command-line flags.
type options struct {
	bin, null   string
	serveFlags  string
	conc        string
	duration    time.Duration
	maxRequests int64
	ci          ciPlan
	skipServer  bool
	skipCI      bool
}

func main() {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/istio-guardrail", "istio-guardrail binary")
	flag.StringVar(&o.null, "null", "", "nullwebhook binary (build with go build ./test/bench/cmd/nullwebhook)")
	flag.StringVar(&o.serveFlags, "serve-flags", "serve --cert-mode file --metrics-addr 0 --log-level info --log-format json --shutdown-grace 2s",
		"arguments of the real server before the listener and certificate flags")
	flag.StringVar(&o.conc, "concurrency", "1,4,16", "closed-loop concurrencies")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "duration of each load cell")
	flag.Int64Var(&o.maxRequests, "max-requests", 100000, "request cap of each load cell")
	flag.IntVar(&o.ci.objects, "corpus", 10000, "objects in the check corpus")
	flag.IntVar(&o.ci.runs, "check-runs", 3, "runs of check over the corpus (median reported)")
	flag.IntVar(&o.ci.startupRuns, "startup-runs", 11, "runs of check on a tiny file (median reported)")
	flag.BoolVar(&o.skipServer, "skip-server", false, "skip the server load run")
	flag.BoolVar(&o.skipCI, "skip-ci", false, "skip the check throughput run")
	flag.Parse()
	return o
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "loadrun-")
	if err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	defer os.RemoveAll(dir)
	writeMachine(os.Stdout)
	if !o.skipServer {
		if err := runServers(ctx, o, dir); err != nil {
			fmt.Printf("Server load run not measured: %v\n\n", err)
		}
	}
	if !o.skipCI {
		res, err := measureCheck(o.bin, dir, o.ci)
		if err != nil {
			return err
		}
		writeCI(os.Stdout, res)
	}
	return nil
}

// runServers starts both servers, loads them and prints the tables.
func runServers(ctx context.Context, o options, dir string) error {
	if o.null == "" {
		return fmt.Errorf("no -null binary given")
	}
	conc, err := parseInts(o.conc)
	if err != nil {
		return err
	}
	cas, err := writeServingCerts(dir)
	if err != nil {
		return err
	}
	null, err := startServer(ctx, "null", o.null, nil, dir, dir)
	if err != nil {
		return err
	}
	defer null.stop()
	guardrail, err := startServer(ctx, "guardrail", o.bin, strings.Fields(o.serveFlags), dir, dir)
	if err != nil {
		return err
	}
	defer guardrail.stop()
	ws, err := workloads()
	if err != nil {
		return err
	}
	servers := []*serverProc{null, guardrail}
	plan := loadPlan{conc: conc, duration: o.duration, maxRequests: o.maxRequests, openConc: 32}
	closed := closedLoop(ctx, servers, cas, ws, plan)
	open := openLoop(ctx, servers, cas, ws, closed, plan)
	writeClosed(os.Stdout, closed, guardrail.name, null.name)
	writeOpen(os.Stdout, open, guardrail.name)
	writeRSS(os.Stdout, servers)
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid concurrency %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
