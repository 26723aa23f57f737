package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// checkRun is one `istio-guardrail check` process.
type checkRun struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	exit      int
}

// ciPlan bounds the CI throughput runs.
type ciPlan struct {
	objects, runs, startupRuns int
}

// ciResult is the CI throughput measurement.
type ciResult struct {
	plan        ciPlan
	corpusBytes int64
	corpus      checkRun // median run over the corpus
	startup     checkRun // median run over one tiny file
}

// measureCheck generates the corpus, runs check over it and over a tiny
// file, and returns the median runs.
func measureCheck(bin, dir string, p ciPlan) (ciResult, error) {
	res := ciResult{plan: p}
	corpus := filepath.Join(dir, "corpus.yaml")
	f, err := os.Create(corpus)
	if err != nil {
		return res, fmt.Errorf("create corpus: %w", err)
	}
	res.corpusBytes, err = bench.WriteCorpus(f, p.objects)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	tiny := filepath.Join(dir, "tiny.yaml")
	pa, err := bench.FixtureByName("peerauthentication")
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(tiny, pa.YAML, 0o600); err != nil {
		return res, fmt.Errorf("write tiny file: %w", err)
	}
	if res.corpus, err = medianRun(bin, corpus, p.runs); err != nil {
		return res, err
	}
	res.startup, err = medianRun(bin, tiny, p.startupRuns)
	return res, err
}

// medianRun runs check on path n times and returns the run of median wall time.
func medianRun(bin, path string, n int) (checkRun, error) {
	runs := make([]checkRun, 0, n)
	for range n {
		r, err := runCheck(bin, path)
		if err != nil {
			return checkRun{}, err
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].wall < runs[j].wall })
	return runs[len(runs)/2], nil
}

// runCheck runs `check -f path -o json` with its output discarded. Exit
// code 1 (findings) is expected; 2 (errors) fails the measurement.
func runCheck(bin, path string) (checkRun, error) {
	cmd := exec.Command(bin, "check", "-f", path, "-o", "json")
	cmd.Stdout = io.Discard
	start := time.Now()
	err := cmd.Run()
	r := checkRun{wall: time.Since(start)}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return r, fmt.Errorf("run check: %w", err)
	}
	r.exit = cmd.ProcessState.ExitCode()
	if r.exit > 1 {
		return r, fmt.Errorf("check %s exited %d", path, r.exit)
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024 // KiB on Linux
	}
	return r, nil
}

// writeCI prints the CI throughput table.
func writeCI(w io.Writer, r ciResult) {
	objs := float64(r.plan.objects)
	perCore := objs / r.corpus.cpu.Seconds()
	fmt.Fprintf(w, "### CI throughput (`check -o json` over a generated %d-object corpus, %.1f MiB)\n\n", r.plan.objects, float64(r.corpusBytes)/(1<<20))
	fmt.Fprintln(w, "| measure | value |")
	fmt.Fprintln(w, "|---|---:|")
	fmt.Fprintf(w, "| wall time (median of %d) | %s |\n", r.plan.runs, ms(r.corpus.wall))
	fmt.Fprintf(w, "| CPU time user+sys | %s |\n", ms(r.corpus.cpu))
	fmt.Fprintf(w, "| objects/s (wall) | %.0f |\n", objs/r.corpus.wall.Seconds())
	fmt.Fprintf(w, "| **objects/s per core** (objects / CPU-seconds) | **%.0f** |\n", perCore)
	fmt.Fprintf(w, "| start-up: `check` on one tiny file, median of %d | %s (CPU %s) |\n", r.plan.startupRuns, ms(r.startup.wall), ms(r.startup.cpu))
	fmt.Fprintf(w, "| peak RSS, corpus run | %s |\n", mib(r.corpus.maxRSS))
	fmt.Fprintf(w, "| peak RSS, tiny file | %s |\n", mib(r.startup.maxRSS))
	fmt.Fprintf(w, "| target ≥ 10,000 objects/s per core | %s (%.2fx the target) |\n\n", verdict(perCore >= 10000), perCore/10000)
}
