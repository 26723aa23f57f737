package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/bench/load"
)

// tool is one peer: how to run it over a corpus and read what it found.
type tool struct {
	name string
	// args returns the command line for the corpus file (and the directory
	// of scratch files, for tools that need more input than the corpus).
	args func(corpus string) []string
	bin  string
	// okExit is the set of exit codes that mean "ran to the end".
	okExit map[int]bool
	parse  func(io.Reader) (counts, error)
	// what says in words what the findings column counts.
	what string
	// env is added to the environment of the run.
	env []string
}

// run is one measured process.
type run struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	found     counts
	timedOut  bool
	err       error // the run did not complete (not a timeout)
}

// stderrTail keeps the last bytes a child wrote to stderr, for errors.
type stderrTail struct{ b []byte }

func (t *stderrTail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

// resetPeakRSS lowers this process's peak RSS to its current RSS and returns
// it (bytes; 0 if unknown). Go starts a child with clone(CLONE_VM), so the
// child's execve records this process's peak RSS as the child's first
// maxrss: without the reset, every run after a large parse (istioctl's JSON
// with 250,000 messages) or a corpus generation reported at least this
// process's peak instead of its own (seen: check on 10k objects at 866 MiB).
func resetPeakRSS() int64 {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0
	}
	return load.PeakRSS(os.Getpid())
}

// measure runs t over corpus with its stdout in a file of dir, bounded by
// timeout, and reads CPU time (user+sys) and peak RSS from the child's
// rusage. A run killed at the timeout keeps its CPU and RSS so far.
func measure(t tool, corpus, dir string, timeout time.Duration) run {
	out := filepath.Join(dir, t.name+".out")
	f, err := os.Create(out)
	if err != nil {
		return run{err: err}
	}
	defer os.Remove(out)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.bin, t.args(corpus)...)
	cmd.Stdout = f
	if len(t.env) > 0 {
		cmd.Env = append(os.Environ(), t.env...)
	}
	var stderr stderrTail
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	floor := resetPeakRSS()
	start := time.Now()
	err = cmd.Run()
	r := run{wall: time.Since(start)}
	if cerr := f.Close(); err == nil && cerr != nil {
		return run{err: cerr}
	}
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss * 1024 // KiB on Linux
		}
		if floor > 0 && r.maxRSS <= floor {
			fmt.Fprintf(os.Stderr, "peers: %s: peak RSS %s is not above this process's own (%s): the child's may be lower\n",
				t.name, mib(r.maxRSS), mib(floor))
		}
	}
	if ctx.Err() != nil {
		r.timedOut = true
		return r
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		r.err = fmt.Errorf("%s: %w", t.name, err)
		return r
	}
	if code := cmd.ProcessState.ExitCode(); !t.okExit[code] {
		r.err = fmt.Errorf("%s exited %d: %s", t.name, code, strings.TrimSpace(string(stderr.b)))
		return r
	}
	rf, err := os.Open(out)
	if err != nil {
		r.err = err
		return r
	}
	defer rf.Close()
	if r.found, err = t.parse(rf); err != nil {
		r.err = fmt.Errorf("%w (stderr: %s)", err, strings.TrimSpace(string(bytes.TrimSpace(stderr.b))))
	}
	return r
}
