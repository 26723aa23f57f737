package attack

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// The hostile clients of the capacity cases (process_test.go,
// fairness_test.go). Issue 10's outage was twelve stallBody clients
// filling the in-flight cap (25 of 25 kubectl create calls failed after
// ~10 s each) and a few thousand slowHeaders clients passing the chart's
// memory limit.

// stallBody declares a 3 MiB body, sends nothing and waits to be cut off.
func stallBody(c *tls.Conn) {
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", webhooks.PathValidate, 3<<20)
	_, _ = io.Copy(io.Discard, c)
}

// slowHeaders sends its request line, then one header byte a second, until
// the server closes the connection or ctx is done.
func slowHeaders(ctx context.Context) func(c *tls.Conn) {
	return func(c *tls.Conn) {
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
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	ok := errorsAs(err, &ne)
	return ok && ne.Timeout()
}
