package attack

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// TestStalledAndSlowClientsDoNotStarveReviews is issue 10's outage: clients
// that declare a 3 MiB body and send nothing (12 of them used to fill the
// in-flight cap and fail every kubectl create for ~10 s), plus slow-header
// clients. Against the real TLS server with the serve defaults, 50 stalled
// and 300 slow-header clients (each reconnecting as soon as it is cut off,
// for the whole run) run while real reviews are sent; every review must
// succeed with p99 under 1 s.
func TestStalledAndSlowClientsDoNotStarveReviews(t *testing.T) {
	const (
		stalled    = 50
		slowHeader = 300
		reviews    = 300
		reviewers  = 4
		p99Bound   = time.Second
	)
	g := newGuardrail(t, config.Default())
	ts := startTLSServer(t, g, webhooks.ServerOptions{})
	addr := ts.srv.WebhookAddr()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	var attackers sync.WaitGroup
	var stalledConns, slowConns atomic.Int64
	attack := func(n int, opened *atomic.Int64, play func(c *tls.Conn)) {
		for range n {
			attackers.Go(func() {
				for ctx.Err() == nil {
					d := tls.Dialer{Config: ts.tlsConfig(), NetDialer: &net.Dialer{Timeout: 2 * time.Second}}
					c, err := d.DialContext(ctx, "tcp", addr)
					if err != nil {
						time.Sleep(50 * time.Millisecond)
						continue
					}
					opened.Add(1)
					stop := context.AfterFunc(ctx, func() { _ = c.Close() })
					play(c.(*tls.Conn))
					stop()
					_ = c.Close()
				}
			})
		}
	}
	// Declares a 3 MiB body, sends nothing, waits to be cut off.
	attack(stalled, &stalledConns, func(c *tls.Conn) {
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", webhooks.PathValidate, 3<<20)
		_, _ = io.Copy(io.Discard, c)
	})
	// Sends its request line, then one header byte a second.
	attack(slowHeader, &slowConns, func(c *tls.Conn) {
		if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nX-Slow: ", webhooks.PathValidate); err != nil {
			return
		}
		for ctx.Err() == nil {
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				return // the server closed the connection
			}
		}
	})
	time.Sleep(2 * time.Second) // let the attack take hold

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: ts.tlsConfig(), MaxIdleConnsPerHost: reviewers, ForceAttemptHTTP2: false,
	}}
	defer client.CloseIdleConnections()
	body := review(t, "real", admissionv1.Create, peerAuthKind, "shop", "strict",
		[]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"strict","namespace":"shop"},"spec":{"mtls":{"mode":"STRICT"}}}`))
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan struct{}, reviews)
	for range reviews {
		jobs <- struct{}{}
	}
	close(jobs)
	for range reviewers {
		wg.Go(func() {
			for range jobs {
				start := time.Now()
				resp, err := client.Post("https://"+addr+webhooks.PathValidate, "application/json", bytes.NewReader(body))
				d := time.Since(start)
				if err != nil {
					failed.Add(1)
					t.Logf("review failed: %v", err)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					t.Logf("review answered HTTP %d", resp.StatusCode)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cancel()
	attackers.Wait()

	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	t.Logf("%d stalled-body and %d slow-header attackers (%d and %d connections opened); %d reviews: p50 %s, p99 %s, max %s, %d failed; heap in use %d MiB (client and server together)",
		stalled, slowHeader, stalledConns.Load(), slowConns.Load(), len(lat), pct(0.50), pct(0.99), pct(1), failed.Load(), ms.HeapInuse>>20)
	if failed.Load() > 0 {
		t.Errorf("%d of %d reviews failed under attack", failed.Load(), reviews)
	}
	if p99 := pct(0.99); p99 > p99Bound {
		t.Errorf("p99 %s under attack, want under %s", p99, p99Bound)
	}
	if stalledConns.Load() < stalled || slowConns.Load() < slowHeader {
		t.Errorf("the attack did not run: %d stalled, %d slow-header connections", stalledConns.Load(), slowConns.Load())
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	ok := errorsAs(err, &ne)
	return ok && ne.Timeout()
}
