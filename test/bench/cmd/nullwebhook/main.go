// Command nullwebhook is the floor of the server load benchmark: the same
// webhooks.Server as `istio-guardrail serve` (HTTP server, TLS settings,
// body cap, AdmissionReview decoding and encoding, file certificates) whose
// /validate and /mutate answer allowed without looking at the object. It
// runs as its own process so its CPU time per request can be compared with
// the real server's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/certs"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// allowAll answers allowed to every request.
type allowAll struct{}

var _ admission.Handler = allowAll{}

func (allowAll) Handle(context.Context, admission.Request) admission.Response {
	return admission.Allowed("")
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "nullwebhook:", err)
		os.Exit(1)
	}
}

func run() error {
	var o webhooks.ServerOptions
	certDir := flag.String("cert-dir", "", "directory holding tls.crt and tls.key")
	flag.StringVar(&o.BindAddress, "bind-address", "127.0.0.1", "webhook listen address")
	flag.IntVar(&o.Port, "port", 9443, "webhook port")
	flag.StringVar(&o.HealthAddr, "health-addr", "127.0.0.1:8081", "health address (/readyz)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	src, err := certs.NewFileSource(*certDir, nil)
	if err != nil {
		return err
	}
	go func() { _ = src.Start(ctx) }()
	o.MetricsAddr = "0"
	o.Certificates = src
	o.Validator, o.Mutator = allowAll{}, allowAll{}
	o.ShutdownDelay = time.Millisecond // nothing routes to a benchmark server: stop at once
	o.Log = zap.NewNop()
	srv, err := webhooks.NewServer(o)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}
