package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/test/bench/load"
)

// writeMachine prints the facts that make the numbers comparable.
func writeMachine(w io.Writer) {
	fmt.Fprintln(w, "### Machine")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- %s, %s/%s, %d logical CPUs (%s), shared with other jobs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(w, "- load average at start: %s\n", strings.Join(strings.Fields(string(b))[:3], " "))
	}
	fmt.Fprintln(w, "- the load generator runs on the same cores as the server under test")
	fmt.Fprintln(w)
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// writeRSS prints the peak RSS of each server after the load runs.
func writeRSS(w io.Writer, servers []*serverProc) {
	fmt.Fprintln(w, "### Server memory (peak RSS, VmHWM, after all load cells)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | peak RSS |")
	fmt.Fprintln(w, "|---|---:|")
	for _, s := range servers {
		fmt.Fprintf(w, "| %s | %s |\n", s.name, mib(load.PeakRSS(s.pid())))
	}
	fmt.Fprintln(w)
}
