package webhooks

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// TestOneSourceCannotHoldTheInflightCapacity: a source that trickles many
// bodies (each holding what has arrived) fills its own share of the
// in-flight cap, not the cap: a review from another source is served at
// once. With the share raised to the whole capacity (no fairness) the same
// hog starves the other source, which shows the test can fail.
func TestOneSourceCannotHoldTheInflightCapacity(t *testing.T) {
	const maxBody = 64 << 10
	const sent = 60 << 10 // of each hog body's declared maxBody
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(map[string]string{"pad": strings.Repeat("x", maxBody/2)}, "")))
	for _, tc := range []struct {
		desc      string
		perSource int64
		want      int
	}{
		{desc: "default share: half the capacity", perSource: 0, want: http.StatusOK},
		{desc: "no fairness: the share is the whole capacity", perSource: 4 * maxBody, want: http.StatusTooManyRequests},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			l := newInflightLimiter(4*maxBody, tc.perSource, maxBody, 300*time.Millisecond)
			h := newReviewHandler(NewValidator(fakeOptions()), maxBody, l, nil)
			var writers []*io.PipeWriter
			var wg sync.WaitGroup
			defer func() {
				for _, pw := range writers {
					_ = pw.CloseWithError(io.ErrUnexpectedEOF)
				}
				wg.Wait()
			}()
			// The hog: 4 bodies of 64 KiB declared, 60 KiB sent, then nothing.
			// Four fit in the whole capacity, so without fairness no hog body
			// waits for room: one that waited would give up after the
			// limiter's wait, release what it held and let the review in
			// (a race the full suite lost under load with 8 bodies).
			for range 4 {
				pr, pw := io.Pipe()
				writers = append(writers, pw)
				r := httptest.NewRequest(http.MethodPost, "/validate", pr)
				r.RemoteAddr = "10.0.0.66:40000"
				r.Header.Set("Content-Type", "application/json")
				r.ContentLength = maxBody
				wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), r) })
				go func() { _, _ = pw.Write(bytes.Repeat([]byte(" "), sent)) }()
			}
			// Until the hog holds all it can: every body that fits in its
			// share, arrived in full (a body still arriving could contend
			// with the review, give back what it holds and let it in).
			full := min(4*sent, l.perSource/sent*sent)
			if tc.perSource != 0 && 4*maxBody-full >= int64(len(body)) {
				t.Fatalf("the hog's %d bytes leave room for the %d byte review: the control shows nothing", full, len(body))
			}
			deadline := time.Now().Add(5 * time.Second)
			for held := l.held.Load(); held < full; held = l.held.Load() {
				if time.Now().After(deadline) {
					t.Fatalf("the hog holds %d bytes, want %d", held, full)
				}
				time.Sleep(time.Millisecond)
			}
			if held := l.held.Load(); held > l.perSource {
				t.Errorf("one source holds %d bytes, over its share of %d", held, l.perSource)
			}
			r := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
			r.RemoteAddr = "10.0.0.1:50000"
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("review from another source while one source hogs: HTTP %d, want %d: %.200s", w.Code, tc.want, w.Body)
			}
		})
	}
}

func TestInflightShareDefaults(t *testing.T) {
	for _, tc := range []struct {
		desc                         string
		capacity, perSource, maxBody int64
		want                         int64
	}{
		{desc: "half the capacity by default", capacity: 400, maxBody: 100, want: 200},
		{desc: "as given", capacity: 400, perSource: 300, maxBody: 100, want: 300},
		{desc: "never below one body", capacity: 400, perSource: 10, maxBody: 100, want: 100},
		{desc: "never above the capacity", capacity: 400, perSource: 1000, maxBody: 100, want: 400},
		{desc: "a capacity of one body is all one source's", capacity: 100, maxBody: 100, want: 100},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := newInflightLimiter(tc.capacity, tc.perSource, tc.maxBody, 0).perSource; got != tc.want {
				t.Errorf("per-source share = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestSourceSharesAreForgotten: a source's share is dropped with its last
// request, so the map does not grow with the number of addresses seen.
func TestSourceSharesAreForgotten(t *testing.T) {
	l := newInflightLimiter(1<<20, 0, 1<<16, 0)
	h := newReviewHandler(NewValidator(fakeOptions()), 1<<16, l, nil)
	body := reviewBody(t, request(admissionv1.Create, podKind, "app", podJSON(nil, "")))
	for i := range 50 {
		r := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		r.RemoteAddr = net.JoinHostPort(net.IPv4(10, 1, 0, byte(i)).String(), "1")
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.sources); n != 0 || l.held.Load() != 0 {
		t.Errorf("after 50 sources: %d shares kept, %d bytes held; want none", n, l.held.Load())
	}
}

func TestSourceOf(t *testing.T) {
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "kube-apiserver-webhook-client", Organization: []string{"system:masters"}}}
	for _, tc := range []struct {
		desc string
		r    *http.Request
		want string
	}{
		{desc: "remote IPv4 address, port ignored", r: &http.Request{RemoteAddr: "10.0.0.1:1234"}, want: "addr:10.0.0.1"},
		{desc: "remote IPv6 address", r: &http.Request{RemoteAddr: "[fd00::1]:443"}, want: "addr:fd00::1"},
		{desc: "TLS without a client certificate: the address", r: &http.Request{RemoteAddr: "10.0.0.2:1", TLS: &tls.ConnectionState{}}, want: "addr:10.0.0.2"},
		{desc: "verified client certificate: its subject, whatever the address",
			r:    &http.Request{RemoteAddr: "10.0.0.3:1", TLS: &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}},
			want: "cert:CN=kube-apiserver-webhook-client,O=system:masters"},
		{desc: "unverified peer certificate: the address",
			r:    &http.Request{RemoteAddr: "10.0.0.4:1", TLS: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}},
			want: "addr:10.0.0.4"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := sourceOf(tc.r); got != tc.want {
				t.Errorf("sourceOf = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSourceListenerCapsConnectionsPerAddress: from one address, the
// connections beyond the quota are closed at once; another address still
// gets in; a closed connection gives its slot back.
func TestSourceListenerCapsConnectionsPerAddress(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newSourceListener(raw, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(from string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: time.Second}
		c, err := d.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatalf("dial from %s: %v", from, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	closedByServer := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF || (err != nil && !isTimeout(err))
	}
	a1, a2 := dial("127.0.0.1"), dial("127.0.0.1")
	s1, s2 := <-accepted, <-accepted
	if a3 := dial("127.0.0.1"); !closedByServer(a3) {
		t.Error("a third connection from one address was kept, over the quota of 2")
	}
	b := dial("127.0.0.2")
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("a connection from another address was not accepted")
	}
	if closedByServer(a1) || closedByServer(a2) || closedByServer(b) {
		t.Error("a connection within the quota was closed")
	}
	_ = s1.Close()
	_ = s2.Close()
	dial("127.0.0.1")
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("a slot was not given back by Close")
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
