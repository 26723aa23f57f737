package webhooks

import (
	"net"
	"net/http"
	"sync"
)

// Fairness between sources. A source is who sends a request: the verified
// TLS client certificate's subject when the server requires client
// certificates (every API server presenting the admission kubeconfig's
// certificate is then one source), otherwise the remote IP address. Bytes
// under the in-flight cap (inflightLimiter) and connections under the
// connection cap (sourceListener) are shared out so that no one source can
// hold all of either: what is left is always there for the others.

// sourceOf returns the source key of r.
func sourceOf(r *http.Request) string {
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		return "cert:" + r.TLS.VerifiedChains[0][0].Subject.String()
	}
	return "addr:" + hostOf(r.RemoteAddr)
}

// hostOf is the host part of a host:port address (the address itself if
// it has no port).
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// sourceListener accepts at most perSource concurrent connections from one
// remote IP address: a connection beyond that is closed as soon as it is
// accepted, before its TLS handshake, so it costs an accept and a close.
// Wrapped by netutil.LimitListener, it keeps one address from holding every
// connection slot (slow headers, idle keep-alives) while the API server's
// connections wait in the accept queue.
type sourceListener struct {
	net.Listener
	perSource int
	mu        sync.Mutex
	open      map[string]int
	rejected  func() // called for each connection closed over the quota; may be nil
}

func newSourceListener(ln net.Listener, perSource int) *sourceListener {
	return &sourceListener{Listener: ln, perSource: perSource, open: map[string]int{}}
}

// Accept returns the next connection whose address is under its quota.
func (l *sourceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := hostOf(c.RemoteAddr().String())
		l.mu.Lock()
		if l.open[key] >= l.perSource {
			l.mu.Unlock()
			_ = c.Close()
			if l.rejected != nil {
				l.rejected()
			}
			continue
		}
		l.open[key]++
		l.mu.Unlock()
		return &sourceConn{Conn: c, l: l, key: key}, nil
	}
}

func (l *sourceListener) done(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// sourceConn gives its slot back on the first Close.
type sourceConn struct {
	net.Conn
	l    *sourceListener
	key  string
	once sync.Once
}

func (c *sourceConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.done(c.key) })
	return err
}
