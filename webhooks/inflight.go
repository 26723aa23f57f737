package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"
)

// DefaultInflightFactor sizes the default in-flight cap: this many
// maximum-size requests may be read and handled at once.
const DefaultInflightFactor = 4

// DefaultInflightWait is how long a request waits for room under the
// in-flight cap before it is answered 429. It is well below the API server's
// webhook timeout (at most 5s in the chart), so a burst is queued rather
// than refused, and a sustained overload is refused before the API server
// gives up on the call.
const DefaultInflightWait = 2 * time.Second

// retryAfterSeconds is the Retry-After of a 429 answer.
const retryAfterSeconds = 1

// inflightLimiter caps the request bytes held in memory at once across the
// webhook endpoints. Each request reserves its Content-Length (the body cap
// when the length is unknown) before its body is read and releases it once
// the response is written, so the decoded review, the typed object and the
// response, which all grow with the body, are covered too. FIFO: a large
// request is not starved by a stream of small ones. A nil limiter admits
// everything.
type inflightLimiter struct {
	sem      *semaphore.Weighted
	capacity int64
	maxBody  int64
	wait     time.Duration
}

// newInflightLimiter returns a limiter of capacity bytes for bodies of at
// most maxBody bytes. The capacity is raised to maxBody so that a request
// under the body cap can always be admitted eventually. wait <= 0 takes
// DefaultInflightWait.
func newInflightLimiter(capacity, maxBody int64, wait time.Duration) *inflightLimiter {
	capacity = max(capacity, maxBody)
	if wait <= 0 {
		wait = DefaultInflightWait
	}
	return &inflightLimiter{sem: semaphore.NewWeighted(capacity), capacity: capacity, maxBody: maxBody, wait: wait}
}

// weight is what r reserves: its declared length, else the body cap.
func (l *inflightLimiter) weight(r *http.Request) int64 {
	if r.ContentLength >= 0 && r.ContentLength <= l.maxBody {
		return max(r.ContentLength, 1)
	}
	return l.maxBody
}

// acquire reserves room for r, waiting at most l.wait (or until the request
// is cancelled). It returns the release function, or a 429 httpError when
// the server is full.
func (l *inflightLimiter) acquire(r *http.Request) (func(), *httpError) {
	if l == nil {
		return func() {}, nil
	}
	n := l.weight(r)
	ctx, cancel := context.WithTimeout(r.Context(), l.wait)
	defer cancel()
	if err := l.sem.Acquire(ctx, n); err != nil {
		return nil, &httpError{
			code:       http.StatusTooManyRequests,
			retryAfter: strconv.Itoa(retryAfterSeconds),
			err:        fmt.Errorf("no room for %d more bytes under the %d byte in-flight cap within %s: %w", n, l.capacity, l.wait, err),
		}
	}
	return func() { l.sem.Release(n) }, nil
}
