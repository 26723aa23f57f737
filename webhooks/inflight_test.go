package webhooks

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// TestReservationFollowsArrivedBytes sends a body that declares 64 KiB in
// pieces: nothing is reserved before the first byte, then exactly what has
// arrived, and all of it is released with the response.
func TestReservationFollowsArrivedBytes(t *testing.T) {
	const declared = 64 << 10
	l := newInflightLimiter(declared, 0, declared, time.Second)
	block := blockingHandler{entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := newReviewHandler(block, declared, l, nil)
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(map[string]string{"pad": strings.Repeat("x", declared)}, "")))
	body = body[:declared]
	pr, pw := io.Pipe()
	r := httptest.NewRequest(http.MethodPost, "/validate", pr)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = declared
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		done <- w.Code
	}()
	waitHeld := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for l.held.Load() != want {
			if time.Now().After(deadline) {
				t.Fatalf("reserved %d bytes, want %d", l.held.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(20 * time.Millisecond)
	waitHeld(0) // declared, nothing sent: nothing reserved
	if _, err := pw.Write(body[:1000]); err != nil {
		t.Fatal(err)
	}
	waitHeld(1000)
	if _, err := pw.Write(body[1000:]); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	// The truncated review does not decode: 400, and everything is released.
	if code := <-done; code != http.StatusBadRequest {
		t.Fatalf("HTTP %d, want 400 for a truncated review", code)
	}
	waitHeld(0)
}

// TestStalledBodiesHoldNoCapacity is the attack of issue 10: clients that
// declare maximum-size bodies and send nothing. Even with more of them than
// the cap has room for, a real review is served at once.
func TestStalledBodiesHoldNoCapacity(t *testing.T) {
	const maxBody = 1 << 20
	l := newInflightLimiter(2*maxBody, 0, maxBody, 50*time.Millisecond)
	h := newReviewHandler(NewValidator(fakeOptions()), maxBody, l, nil)
	var writers []*io.PipeWriter
	var wg sync.WaitGroup
	for range 10 {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		r := httptest.NewRequest(http.MethodPost, "/validate", pr)
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = maxBody
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), r) })
	}
	defer func() {
		for _, pw := range writers {
			_ = pw.CloseWithError(io.ErrUnexpectedEOF)
		}
		wg.Wait()
	}()
	time.Sleep(20 * time.Millisecond)
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(nil, "")))
	if w := serve(h, body, "application/json"); w.Code != http.StatusOK {
		t.Fatalf("real review behind 10 stalled bodies: HTTP %d, want 200: %s", w.Code, w.Body)
	}
}

func TestInflightLimiterCapacity(t *testing.T) {
	tests := []struct {
		desc                    string
		capacity, maxBody, want int64
	}{
		{desc: "capacity as given", capacity: 400, maxBody: 100, want: 400},
		{desc: "capacity below one body is raised to the body cap", capacity: 10, maxBody: 100, want: 100},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := newInflightLimiter(tc.capacity, 0, tc.maxBody, 0).capacity; got != tc.want {
				t.Errorf("capacity = %d, want %d", got, tc.want)
			}
		})
	}
}

// blockingHandler holds every request until release is closed.
type blockingHandler struct {
	entered chan struct{}
	release chan struct{}
}

func (b blockingHandler) Handle(_ context.Context, _ admission.Request) admission.Response {
	b.entered <- struct{}{}
	<-b.release
	return admission.Allowed("")
}

func TestReviewHandlerAnswers429WhenFull(t *testing.T) {
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(nil, "")))
	limiter := newInflightLimiter(int64(len(body)), 0, int64(len(body)), 50*time.Millisecond)
	block := blockingHandler{entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := newReviewHandler(block, int64(len(body)), limiter, nil)

	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- serve(h, body, "application/json") }()
	<-block.entered // the first request holds the whole capacity

	w := serve(h, body, "application/json")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("second request: HTTP %d, want 429: %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if !strings.Contains(w.Body.String(), "in-flight cap") {
		t.Errorf("429 body does not explain the cap: %q", w.Body)
	}

	close(block.release)
	if w := <-first; w.Code != http.StatusOK {
		t.Fatalf("first request: HTTP %d, want 200", w.Code)
	}
	// The capacity is released with the response: the next request is served.
	if w := serve(h, body, "application/json"); w.Code != http.StatusOK {
		t.Errorf("request after release: HTTP %d, want 200: %s", w.Code, w.Body)
	}
}

// heapSampler records the peak of runtime.MemStats.HeapAlloc above a
// baseline taken after a forced GC.
type heapSampler struct {
	base, peak uint64
	stop, done chan struct{}
}

func startHeapSampler(every time.Duration) *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &heapSampler{base: ms.HeapAlloc, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			s.peak = max(s.peak, ms.HeapAlloc)
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// peakMiB stops sampling and returns the peak growth over the baseline, in MiB.
func (s *heapSampler) peakMiB() float64 {
	close(s.stop)
	<-s.done
	if s.peak < s.base {
		return 0
	}
	return float64(s.peak-s.base) / (1 << 20)
}

// TestInflightCapBoundsHeapUnderConcurrency sends 50 concurrent reviews of a
// near-limit (~3 MiB) Pod through the real server. Without the in-flight
// cap each request holds its body, the decoded review and the typed object
// at once and the heap peaked at 370-850 MiB; with the default cap (4
// bodies) it stays a fraction of that. Every request is answered either with
// a well-formed review or 429 + Retry-After.
func TestInflightCapBoundsHeapUnderConcurrency(t *testing.T) {
	const (
		clients  = 50
		boundMiB = 160 // generous: about 4 requests' worth of body, copies and GC slack
	)
	raw := podJSON(map[string]string{annWarn: "big", "filler": strings.Repeat("x", 3<<20-8<<10)}, "")
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", raw))
	src, ca := selfManagedSource(t, time.Hour)
	ts := startServer(t, ServerOptions{Certificates: src, MaxRequestBytes: int64(len(body)) + 1024, InflightWait: 3 * time.Second})
	client := httpClient(clientTLS(t, ca), true)
	url := "https://" + ts.WebhookAddr() + PathValidate

	sampler := startHeapSampler(2 * time.Millisecond)
	var ok, full atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			switch code, err := postShared(client, url, body); {
			case err != nil:
				t.Error(err)
			case code == http.StatusOK:
				ok.Add(1)
			case code == http.StatusTooManyRequests:
				full.Add(1)
			default:
				t.Errorf("HTTP %d, want 200 or 429", code)
			}
		})
	}
	wg.Wait()
	peak := sampler.peakMiB()
	t.Logf("%d served, %d refused with 429; peak heap growth %.0f MiB (bound %d MiB)", ok.Load(), full.Load(), peak, boundMiB)
	if peak > boundMiB {
		t.Errorf("peak heap growth %.0f MiB exceeds %d MiB: the in-flight cap does not bound memory", peak, boundMiB)
	}
	if ok.Load() == 0 {
		t.Error("no request was served")
	}
}

// postShared posts body (shared by every caller, so the client side adds
// no per-request copy to the heap) and returns the status; a 200 must be a
// well-formed review and a 429 must carry Retry-After.
func postShared(client *http.Client, url string, body []byte) (int, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if !bytes.Contains(data, []byte(`"uid":"uid-CREATE"`)) {
			return 0, errMalformed(data)
		}
	case http.StatusTooManyRequests:
		if resp.Header.Get("Retry-After") == "" {
			return 0, errMalformed([]byte("429 without Retry-After"))
		}
	}
	return resp.StatusCode, nil
}

type errMalformed []byte

func (e errMalformed) Error() string { return "malformed answer: " + string(e[:min(len(e), 200)]) }
