package webhooks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
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

// DefaultBodyStartTimeout is how long a request may take, after its
// headers, to send the first byte of its body. The API server sends the
// body with the headers; a client that declares a body and sends nothing is
// disconnected after this, having reserved nothing.
const DefaultBodyStartTimeout = time.Second

// retryAfterSeconds is the Retry-After of a 429 answer.
const retryAfterSeconds = 1

// contendedWait is how long a request waits for room for the bytes that
// just arrived before it stops growing its reservation chunk by chunk and
// queues, holding nothing, for the rest of its body at once (see grow).
const contendedWait = 50 * time.Millisecond

// initialBuffer is the body buffer a request starts with before anything is
// reserved: the same order as the connection's own bufio buffers.
const initialBuffer = 4 << 10

// inflightLimiter caps the request bytes held in memory at once across the
// webhook endpoints. A request reserves bytes as they arrive, not as its
// Content-Length declares, and releases them once the response is written,
// so the decoded review, the typed object and the response, which all grow
// with the body, are covered too: a client that declares a large body and
// sends nothing (or little) holds nothing (or little). When the cap is
// contended, a request whose next bytes find no room within contendedWait
// gives back what it holds and queues (FIFO, at most wait) for the rest of
// its body at once; so requests that have all started reading cannot
// deadlock each holding part of the capacity, and a large request is not
// starved by a stream of small ones. A nil limiter admits everything.
//
// Fairness: the requests of one source (sourceOf) together hold at most
// perSource bytes, so a source that trickles many bodies (each holding what
// has arrived until the read timeout) fills its own share and then waits or
// gets 429, while the rest of the capacity stays with the other sources.
// A source reserves from its share first, then from the whole.
type inflightLimiter struct {
	sem       *semaphore.Weighted
	capacity  int64
	perSource int64
	maxBody   int64
	wait      time.Duration
	held      atomic.Int64 // bytes reserved now, for tests and debugging

	mu      sync.Mutex
	sources map[string]*sourceShare // sources with a request in flight
}

// sourceShare is one source's part of the capacity.
type sourceShare struct {
	sem  *semaphore.Weighted
	refs int // requests of this source in flight
}

// newInflightLimiter returns a limiter of capacity bytes for bodies of at
// most maxBody bytes, of which one source may hold perSource (<= 0: half
// the capacity). The capacity and the per-source share are raised to
// maxBody so that a request under the body cap can always be admitted
// eventually. wait <= 0 takes DefaultInflightWait.
func newInflightLimiter(capacity, perSource, maxBody int64, wait time.Duration) *inflightLimiter {
	capacity = max(capacity, maxBody)
	if perSource <= 0 {
		perSource = capacity / 2
	}
	perSource = min(max(perSource, maxBody), capacity)
	if wait <= 0 {
		wait = DefaultInflightWait
	}
	return &inflightLimiter{sem: semaphore.NewWeighted(capacity), capacity: capacity, perSource: perSource,
		maxBody: maxBody, wait: wait, sources: map[string]*sourceShare{}}
}

// share returns the share of source key, counting one more request on it.
func (l *inflightLimiter) share(key string) *sourceShare {
	l.mu.Lock()
	defer l.mu.Unlock()
	sh := l.sources[key]
	if sh == nil {
		sh = &sourceShare{sem: semaphore.NewWeighted(l.perSource)}
		l.sources[key] = sh
	}
	sh.refs++
	return sh
}

// unshare counts one request of source key less, forgetting the source
// after its last one.
func (l *inflightLimiter) unshare(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sh := l.sources[key]; sh != nil {
		if sh.refs--; sh.refs <= 0 {
			delete(l.sources, key)
		}
	}
}

// waitOr is the limiter's wait, or the default for a nil limiter.
func (l *inflightLimiter) waitOr() time.Duration {
	if l == nil {
		return DefaultInflightWait
	}
	return l.wait
}

// reservation is what one request holds under the limiter. A nil
// reservation (no limiter) admits everything.
type reservation struct {
	l        *inflightLimiter
	source   string
	share    *sourceShare
	ctx      context.Context // the request's context
	deadline time.Time       // for waiting; set when the first byte arrives
	declared int64           // Content-Length, or -1
	held     int64
	whole    bool // holds room for the whole body: no more growth
}

// start returns the (empty) reservation of r.
func (l *inflightLimiter) start(r *http.Request) *reservation {
	if l == nil {
		return nil
	}
	key := sourceOf(r)
	return &reservation{l: l, source: key, share: l.share(key), ctx: r.Context(), declared: r.ContentLength}
}

// tryAcquire reserves n bytes from the source's share and the whole at
// once, or nothing.
func (res *reservation) tryAcquire(n int64) bool {
	if !res.share.sem.TryAcquire(n) {
		return false
	}
	if !res.l.sem.TryAcquire(n) {
		res.share.sem.Release(n)
		return false
	}
	return true
}

// acquire waits until ctx is done for n bytes from the source's share, then
// from the whole; it holds nothing when it fails.
func (res *reservation) acquire(ctx context.Context, n int64) error {
	if err := res.share.sem.Acquire(ctx, n); err != nil {
		return err
	}
	if err := res.l.sem.Acquire(ctx, n); err != nil {
		res.share.sem.Release(n)
		return err
	}
	return nil
}

// grow reserves n more bytes that have just arrived (have bytes so far).
// It returns a 429 httpError when no room is found within the wait.
func (res *reservation) grow(n, have int64) *httpError {
	if res == nil || res.whole || n <= 0 {
		return nil
	}
	l := res.l
	if res.deadline.IsZero() {
		res.deadline = time.Now().Add(l.wait)
	}
	if res.tryAcquire(n) {
		res.add(n)
		return nil
	}
	ctx, cancel := context.WithTimeout(res.ctx, min(contendedWait, time.Until(res.deadline)))
	err := res.acquire(ctx, n)
	cancel()
	if err == nil {
		res.add(n)
		return nil
	}
	// Contended: give back what we hold and queue for the whole body.
	whole := l.maxBody
	if res.declared >= 0 && res.declared <= l.maxBody {
		whole = max(res.declared, have+n)
	}
	res.giveBack()
	ctx, cancel = context.WithDeadline(res.ctx, res.deadline)
	defer cancel()
	if err := res.acquire(ctx, whole); err != nil {
		return &httpError{
			code:       http.StatusTooManyRequests,
			retryAfter: strconv.Itoa(retryAfterSeconds),
			err:        fmt.Errorf("no room for a %d byte body under the %d byte in-flight cap (%d per source) within %s: %w", whole, l.capacity, l.perSource, l.wait, err),
		}
	}
	res.add(whole)
	res.whole = true
	return nil
}

func (res *reservation) add(n int64) {
	res.held += n
	res.l.held.Add(n)
}

// giveBack gives back everything res holds.
func (res *reservation) giveBack() {
	if res == nil || res.held == 0 {
		return
	}
	res.l.sem.Release(res.held)
	res.share.sem.Release(res.held)
	res.l.held.Add(-res.held)
	res.held = 0
}

// release ends the reservation: everything is given back and the request
// no longer counts for its source. Call it once, when the response is written.
func (res *reservation) release() {
	if res == nil {
		return
	}
	res.giveBack()
	res.l.unshare(res.source)
}

// errReserve wraps a reservation failure met while reading a body.
type errReserve struct{ herr *httpError }

func (e errReserve) Error() string { return e.herr.err.Error() }

// readBody reads a body of declared length n (-1: unknown), reserving
// bytes under res as they arrive, into a buffer that grows with what has
// arrived (never beyond the declared length), not one allocated up front
// from the declaration. firstByte, if set, runs once the first byte is in.
func readBody(body io.Reader, n int64, res *reservation, firstByte func()) ([]byte, error) {
	size := int64(initialBuffer)
	if n >= 0 {
		size = min(size, n)
	}
	buf := make([]byte, 0, max(size, 1))
	for {
		if len(buf) == cap(buf) {
			next := int64(2 * cap(buf))
			if n >= 0 {
				if int64(len(buf)) >= n {
					return buf, nil // the server enforces the declared length
				}
				next = min(next, n)
			}
			buf = append(buf[:cap(buf)], make([]byte, next-int64(cap(buf)))...)[:len(buf)]
		}
		k, err := body.Read(buf[len(buf):cap(buf)])
		if k > 0 {
			if len(buf) == 0 && firstByte != nil {
				firstByte()
			}
			if herr := res.grow(int64(k), int64(len(buf))); herr != nil {
				return nil, errReserve{herr}
			}
			buf = buf[:len(buf)+k]
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
