package webhooks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"golang.org/x/net/netutil"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/certs"
)

// Paths served on the webhook port.
const (
	PathValidate = "/validate"
	PathMutate   = "/mutate"
)

// DefaultMaxConnections is the default cap on concurrent webhook connections.
const DefaultMaxConnections = 1000

// DefaultReadHeaderTimeout is the default time a client has to complete the
// TLS handshake and send its request headers.
const DefaultReadHeaderTimeout = 5 * time.Second

// ServerOptions configure a Server. Zero durations take the defaults below.
type ServerOptions struct {
	// BindAddress and Port locate the HTTPS webhook listener ("" = all interfaces; port 0 = any).
	BindAddress string
	Port        int
	// HealthAddr serves /healthz and /readyz over plain HTTP.
	HealthAddr string
	// MetricsAddr serves /metrics over plain HTTP; "" or "0" disables it.
	MetricsAddr string
	// Certificates supplies the serving certificate; readiness needs it healthy.
	Certificates certs.Source
	TLS          TLSOptions
	// MaxRequestBytes caps request bodies (default DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// MaxInflightBytes caps the request bytes read and handled at once by
	// both endpoints together (default DefaultInflightFactor x
	// MaxRequestBytes; never below MaxRequestBytes). A request that finds no
	// room within InflightWait (default DefaultInflightWait) is answered 429
	// with Retry-After, which the API server treats as a failed call, so the
	// webhook's failurePolicy applies. This bounds the heap under a burst of
	// large objects.
	// Bytes are reserved as they arrive, not as declared (see
	// inflightLimiter), so clients that declare bodies and send nothing
	// hold nothing.
	MaxInflightBytes int64
	// MaxInflightBytesPerSource caps what the requests of one source (the
	// verified client certificate's subject, else the remote address) hold
	// together under MaxInflightBytes (default half of it; never below
	// MaxRequestBytes), so one source cannot hold all the capacity.
	MaxInflightBytesPerSource int64
	InflightWait              time.Duration
	// BodyStartTimeout bounds the wait, after the headers, for the first
	// byte of a declared body (default DefaultBodyStartTimeout).
	BodyStartTimeout time.Duration
	// MaxConnections caps concurrent webhook connections (default
	// DefaultMaxConnections); more wait in the kernel's accept queue. Each
	// connection costs its TLS and bufio buffers and a goroutine, so this
	// bounds the memory a few thousand idle or slow clients can take.
	MaxConnections int
	// MaxConnectionsPerSource caps the connections from one remote address
	// (default a quarter of MaxConnections, at least 1); one more is closed
	// as soon as it is accepted, so one address cannot hold every slot.
	MaxConnectionsPerSource int
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound
	// each connection (defaults 5s, 10s, 10s, 30s; the API server's webhook
	// timeout is at most 30s). ReadHeaderTimeout also bounds the TLS
	// handshake, so a slow-header client holds a connection at most that long.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownGrace bounds the whole shutdown (default 15s). ShutdownDelay is
	// how long the server keeps serving with readiness false before it stops
	// accepting connections (default a third of the grace), so endpoints
	// controllers drop the pod first.
	ShutdownGrace, ShutdownDelay time.Duration
	// Validator and Mutator handle /validate and /mutate.
	Validator, Mutator admission.Handler
	// Gatherer is the dedicated metrics registry.
	Gatherer prometheus.Gatherer
	// Metrics counts requests rejected at the HTTP layer (nil: only logged).
	Metrics *Metrics
	// ReadyChecks must all return nil for /readyz to succeed (config, informer...).
	ReadyChecks map[string]func() error
	Log         *zap.Logger
}

// Server is the webhook server: HTTPS admission endpoints plus plain-HTTP
// health and metrics. NewServer binds the listeners; Run serves until the
// context ends, then shuts down gracefully.
type Server struct {
	o                          ServerOptions
	webhook, health, metrics   *http.Server
	webhookLn, healthLn, metLn net.Listener
	draining                   atomic.Bool
}

// NewServer applies defaults, binds the listeners and builds the servers.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Certificates == nil || o.Validator == nil || o.Mutator == nil {
		return nil, errors.New("server needs a certificate source, a validator and a mutator")
	}
	o = withDefaults(o)
	s := &Server{o: o}
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}
	s.build()
	return s, nil
}

func withDefaults(o ServerOptions) ServerOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadTimeout, 10*time.Second)
	def(&o.ReadHeaderTimeout, min(DefaultReadHeaderTimeout, o.ReadTimeout))
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.IdleTimeout, 30*time.Second)
	def(&o.BodyStartTimeout, DefaultBodyStartTimeout)
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxConnectionsPerSource <= 0 {
		o.MaxConnectionsPerSource = max(o.MaxConnections/4, 1)
	}
	o.MaxConnectionsPerSource = min(o.MaxConnectionsPerSource, o.MaxConnections)
	def(&o.ShutdownGrace, 15*time.Second)
	def(&o.ShutdownDelay, o.ShutdownGrace/3)
	def(&o.InflightWait, DefaultInflightWait)
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxInflightBytes <= 0 {
		o.MaxInflightBytes = DefaultInflightFactor * o.MaxRequestBytes
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.NewRegistry()
	}
	return o
}

// listen binds the webhook, health and (optional) metrics listeners.
func (s *Server) listen() error {
	var err error
	addr := net.JoinHostPort(s.o.BindAddress, strconv.Itoa(s.o.Port))
	if s.webhookLn, err = net.Listen("tcp", addr); err != nil {
		return fmt.Errorf("listen on webhook address %s: %w", addr, err)
	}
	s.webhookLn = netutil.LimitListener(newSourceListener(s.webhookLn, s.o.MaxConnectionsPerSource), s.o.MaxConnections)
	if s.healthLn, err = net.Listen("tcp", s.o.HealthAddr); err != nil {
		return fmt.Errorf("listen on health address %s: %w", s.o.HealthAddr, err)
	}
	if metricsEnabled(s.o.MetricsAddr) {
		if s.metLn, err = net.Listen("tcp", s.o.MetricsAddr); err != nil {
			return fmt.Errorf("listen on metrics address %s: %w", s.o.MetricsAddr, err)
		}
	}
	return nil
}

func metricsEnabled(addr string) bool { return addr != "" && addr != "0" }

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.webhookLn, s.healthLn, s.metLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

// build creates the three http.Servers.
func (s *Server) build() {
	inflight := newInflightLimiter(s.o.MaxInflightBytes, s.o.MaxInflightBytesPerSource, s.o.MaxRequestBytes, s.o.InflightWait)
	mux := http.NewServeMux()
	for _, ep := range []struct {
		path, webhook string
		h             admission.Handler
	}{{PathValidate, webhookValidate, s.o.Validator}, {PathMutate, webhookMutate, s.o.Mutator}} {
		rh := newReviewHandler(ep.h, s.o.MaxRequestBytes, inflight, s.o.Log)
		rh.bodyStart, rh.webhook, rh.metrics = s.o.BodyStartTimeout, ep.webhook, s.o.Metrics
		path := ep.path
		mux.Handle(path, rh)
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(s.o.TLS.EnableHTTP2)
	s.webhook = &http.Server{
		Handler:           recoverPanics(mux, s.o.Log),
		TLSConfig:         newTLSConfig(s.o.TLS, s.o.Certificates.GetCertificate),
		Protocols:         protocols,
		ReadHeaderTimeout: s.o.ReadHeaderTimeout,
		ReadTimeout:       s.o.ReadTimeout,
		WriteTimeout:      s.o.WriteTimeout,
		IdleTimeout:       s.o.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(s.o.Log.Named("http")),
	}
	if !s.o.TLS.EnableHTTP2 {
		s.webhook.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	hmux := http.NewServeMux()
	hmux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	hmux.HandleFunc("/readyz", s.serveReadyz)
	s.health = &http.Server{Handler: hmux, ReadHeaderTimeout: 5 * time.Second}
	if s.metLn != nil {
		mmux := http.NewServeMux()
		mmux.Handle("/metrics", promhttp.HandlerFor(s.o.Gatherer, promhttp.HandlerOpts{}))
		s.metrics = &http.Server{Handler: mmux, ReadHeaderTimeout: 5 * time.Second}
	}
}

// WebhookAddr returns the bound HTTPS webhook address.
func (s *Server) WebhookAddr() string { return s.webhookLn.Addr().String() }

// HealthAddr returns the bound health address.
func (s *Server) HealthAddr() string { return s.healthLn.Addr().String() }

// MetricsAddr returns the bound metrics address ("" when disabled).
func (s *Server) MetricsAddr() string {
	if s.metLn == nil {
		return ""
	}
	return s.metLn.Addr().String()
}

// Run serves until ctx is done, then shuts down: readiness goes false at
// once, the server keeps serving for ShutdownDelay, then stops accepting
// connections and lets in-flight requests finish within the grace period.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 3)
	serve := func(name string, f func() error) {
		if err := f(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s server: %w", name, err)
		}
	}
	go serve("webhook", func() error { return s.webhook.ServeTLS(s.webhookLn, "", "") })
	go serve("health", func() error { return s.health.Serve(s.healthLn) })
	if s.metrics != nil {
		go serve("metrics", func() error { return s.metrics.Serve(s.metLn) })
	}
	s.o.Log.Info("serving", zap.String("webhook", s.WebhookAddr()), zap.String("health", s.HealthAddr()),
		zap.String("metrics", s.MetricsAddr()))
	select {
	case <-ctx.Done():
		return s.shutdown(true)
	case err := <-errc:
		_ = s.shutdown(false)
		return err
	}
}

// shutdown drains and stops all servers.
func (s *Server) shutdown(delay bool) error {
	s.draining.Store(true)
	s.o.Log.Info("shutting down: readiness false", zap.Duration("delay", s.o.ShutdownDelay), zap.Duration("grace", s.o.ShutdownGrace))
	if delay {
		time.Sleep(s.o.ShutdownDelay)
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(s.o.ShutdownGrace-s.o.ShutdownDelay, time.Second))
	defer cancel()
	err := s.webhook.Shutdown(ctx)
	for _, srv := range []*http.Server{s.health, s.metrics} {
		if srv != nil {
			_ = srv.Shutdown(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("shut down webhook server: %w", err)
	}
	s.o.Log.Info("shut down cleanly")
	return nil
}

// Ready returns nil when the server should receive traffic.
func (s *Server) Ready() error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	var failed []string
	if !s.o.Certificates.Healthy() {
		failed = append(failed, "certificate: no valid serving certificate")
	}
	names := make([]string, 0, len(s.o.ReadyChecks))
	for n := range s.o.ReadyChecks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.o.ReadyChecks[n](); err != nil {
			failed = append(failed, n+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func (s *Server) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	if err := s.Ready(); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// recoverPanics answers 500 instead of dropping the connection when a
// handler panics outside admission.Webhook's own recovery.
func recoverPanics(next http.Handler, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.Error("panic in HTTP handler", zap.Any("panic", v), zap.String("path", r.URL.Path))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
