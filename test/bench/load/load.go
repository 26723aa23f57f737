package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one endpoint under load.
type Target struct {
	URL  string
	Body []byte
	// CAs verifies the server certificate.
	CAs *x509.CertPool
	// PID of the server process, for CPU accounting (0: not measured).
	PID int
}

// Options bound a run. The run stops at Duration or MaxRequests, whichever
// comes first.
type Options struct {
	Concurrency int
	Duration    time.Duration
	MaxRequests int64
	// Rate, when > 0, schedules requests open-loop at this many per second;
	// latency is measured from each request's scheduled time, so it includes
	// queueing when the server (or the Concurrency cap) falls behind.
	Rate float64
	// Check validates each response body; a non-nil error counts as a failure.
	Check func(status int, body []byte) error
}

// Result summarises a run.
type Result struct {
	Requests  int64
	Failures  int64
	FirstErr  string
	Elapsed   time.Duration
	P50, P99  time.Duration
	P999, Max time.Duration
	// CPUPerRequest is the server's user+system CPU time per request (0 if not measured).
	CPUPerRequest time.Duration
}

// RPS is the completed requests per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// NewClient returns a keep-alive HTTP/1.1 TLS client like the API server's.
func NewClient(t Target, conns int) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: t.CAs, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		ForceAttemptHTTP2:   false,
		IdleConnTimeout:     time.Minute,
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// Run loads t with o and returns the summary.
func Run(ctx context.Context, t Target, o Options) Result {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	client := NewClient(t, o.Concurrency)
	defer client.CloseIdleConnections()
	// Warm up the connections so the handshakes are not measured.
	for range o.Concurrency {
		_, _ = do(ctx, client, t, o.Check)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	var issued atomic.Int64
	lat := make([][]time.Duration, o.Concurrency)
	var failures atomic.Int64
	var firstErr atomic.Value
	cpu0 := processCPU(t.PID)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := issued.Add(1)
				if ctx.Err() != nil || (o.MaxRequests > 0 && n > o.MaxRequests) {
					return
				}
				// Open loop: request n is due at start + n/rate and its latency
				// is measured from then, so time spent queued behind a slow
				// server counts (no coordinated omission).
				var due time.Time
				if o.Rate > 0 {
					due = start.Add(time.Duration(float64(n-1) / o.Rate * float64(time.Second)))
					select {
					case <-time.After(time.Until(due)):
					case <-ctx.Done():
						return
					}
				}
				d, err := do(ctx, client, t, o.Check)
				if !due.IsZero() {
					d = time.Since(due)
				}
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
						return // the run ended mid-request; not a server failure
					}
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[w] = append(lat[w], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1 := processCPU(t.PID)
	res := summarise(lat, elapsed)
	res.Failures = failures.Load()
	if v, ok := firstErr.Load().(string); ok {
		res.FirstErr = v
	}
	if t.PID > 0 && res.Requests > 0 {
		res.CPUPerRequest = (cpu1 - cpu0) / time.Duration(res.Requests)
	}
	return res
}

func do(ctx context.Context, c *http.Client, t Target, check func(int, []byte) error) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if check != nil {
		if err := check(resp.StatusCode, body); err != nil {
			return 0, err
		}
	} else if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return d, nil
}

func summarise(per [][]time.Duration, elapsed time.Duration) Result {
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := Result{Requests: int64(len(all)), Elapsed: elapsed}
	if len(all) == 0 {
		return r
	}
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	r.P50, r.P99, r.P999, r.Max = q(0.50), q(0.99), q(0.999), all[len(all)-1]
	return r
}

// processCPU returns the user+system CPU time of pid from /proc (Linux), 0 if unavailable.
func processCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which may contain spaces) start after ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck
}

// PeakRSS returns the peak resident set size (VmHWM) of pid in bytes, 0 if unavailable.
func PeakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
