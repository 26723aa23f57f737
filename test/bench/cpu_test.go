package bench_test

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user+system CPU time of this process so far.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process CPU time per iteration since start as
// "cpu-ns/op". On a shared machine wall time (ns/op) includes waiting for
// a core; CPU time does not, so ratios of cpu-ns/op are the steadier
// headline. It includes the garbage collector's background work.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
	}
}
