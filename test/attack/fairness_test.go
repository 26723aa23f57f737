package attack

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// Loopback addresses standing for two sources: the hostile tenant's pod and
// the API server (Linux routes all of 127.0.0.0/8 to the loopback device).
const (
	hogAddr       = "127.0.0.2"
	apiServerAddr = "127.0.0.1"
)

// trickleBody declares a 3 MiB body, sends 1 MiB of it at once and then
// one byte every 200ms: each such request holds 1 MiB of the in-flight cap
// (bytes are reserved as they arrive) until its body deadline cuts it off.
func trickleBody(ctx context.Context) func(c *tls.Conn) {
	return func(c *tls.Conn) {
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", webhooks.PathValidate, 3<<20)
		if _, err := c.Write(bytes.Repeat([]byte(" "), 1<<20)); err != nil {
			return
		}
		go func() { _, _ = io.Copy(io.Discard, c) }() // a 429 answer, then EOF
		for ctx.Err() == nil {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// TestOneSourceCannotStarveAnother: a hostile pod opens 40 connections
// that each trickle a large body (40 MiB wanted, over three times the
// 12 MiB in-flight cap) and stall 40 more bodies, all from one address,
// reconnecting as soon as it is cut off. Reviews from another address (the
// API server) all succeed with p99 under 1 s, because one source holds at
// most its share (half the cap) and a quarter of the connection slots.
// The same attack with the share raised to the whole cap (no fairness)
// must make reviews fail, or this test could not tell.
func TestOneSourceCannotStarveAnother(t *testing.T) {
	const (
		trickling = 40
		stalled   = 40
		reviews   = 150
		reviewers = 4
		p99Bound  = time.Second
	)
	run := func(t *testing.T, o webhooks.ServerOptions) loadResult {
		g := newGuardrail(t, config.Default())
		ts := startTLSServer(t, g, o)
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		trickled, waitTrickle := ts.attackers(ctx, trickling, hogAddr, 0, trickleBody(ctx))
		stalls, waitStall := ts.attackers(ctx, stalled, hogAddr, 0, stallBody)
		time.Sleep(2 * time.Second) // let the hog fill what it can
		res := ts.sendReviews(t, apiServerAddr, peerAuthReview(t), reviews, reviewers)
		cancel()
		waitTrickle()
		waitStall()
		t.Logf("hog at %s: %d trickling, %d stalled connections opened; reviews from %s: %s",
			hogAddr, trickled.opened.Load(), stalls.opened.Load(), apiServerAddr, res)
		if trickled.opened.Load() < trickling || stalls.opened.Load() < stalled {
			t.Fatalf("the attack did not run: %d trickling, %d stalled connections", trickled.opened.Load(), stalls.opened.Load())
		}
		return res
	}
	t.Run("fair shares (the defaults)", func(t *testing.T) {
		res := run(t, webhooks.ServerOptions{})
		if res.failed > 0 || res.unsent > 0 {
			t.Errorf("%d of %d reviews from another source failed while one source hogged the capacity, %d not sent in time", res.failed, reviews, res.unsent)
		}
		if p99 := res.pct(0.99); p99 > p99Bound {
			t.Errorf("p99 %s, want under %s", p99, p99Bound)
		}
	})
	t.Run("one source may take everything (control)", func(t *testing.T) {
		const capacity = webhooks.DefaultInflightFactor * webhooks.DefaultMaxRequestBytes
		res := run(t, webhooks.ServerOptions{MaxInflightBytesPerSource: capacity, MaxConnectionsPerSource: webhooks.DefaultMaxConnections})
		if res.failed == 0 {
			t.Errorf("without per-source shares no review failed (%s): the attack does not exercise fairness", res)
		}
	})
}
