package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/zapr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/certs"
	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// configPollInterval is the safety-net poll of the config file (fsnotify does the real work).
const configPollInterval = 10 * time.Second

// namespaceResync is the resync period of the namespace informer.
const namespaceResync = 10 * time.Minute

// newLogger builds the zap logger: JSON or console, sampled so repeated
// error lines are rate-limited, and installs it for controller-runtime and klog.
func newLogger(format, level string) (*zap.Logger, error) {
	cfg := zap.NewProductionConfig()
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	if format == "console" {
		cfg.Encoding = "console"
	}
	if level == "debug" {
		cfg.Level = zap.NewAtomicLevelAt(zap.DebugLevel)
	}
	cfg.Sampling = &zap.SamplingConfig{Initial: 100, Thereafter: 100}
	log, err := cfg.Build()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	ctrllog.SetLogger(zapr.NewLogger(log.Named("controller-runtime")))
	klog.SetLogger(zapr.NewLogger(log.Named("client-go")))
	return log, nil
}

// serve wires certificates, configuration, informer, handlers and server,
// and runs them until ctx is done. What fails before the server runs (no
// certificate, no API access in self-managed mode, bad server options) is
// an input error (usageError: exit 2).
func serve(ctx context.Context, f *serveFlags, log *zap.Logger) error {
	client, err := kubeClient(f.kubeconfig)
	if err != nil && f.certMode == certModeSelfManaged {
		return usageError(fmt.Errorf("self-managed certificates need API access: %w", err))
	}
	if err != nil {
		log.Warn("no Kubernetes API access: namespace-aware rules see no namespace labels", zap.Error(err))
	}
	src, err := certificateSource(f, client, log.Named("certs"))
	if err != nil {
		return usageError(err)
	}
	reg := prometheus.NewRegistry()
	metrics := webhooks.NewMetrics(reg, src.Expiry)
	pol := webhooks.NewPolicy(metrics, log.Named("config"))
	loadInitialConfig(f, pol)

	ready := map[string]func() error{"config": pol.Ready}
	if f.certMode == certModeSelfManaged {
		// A replica whose leaf the API server would not trust must not be Ready.
		ready["cabundle"] = certs.NewBundleTrust(client, f.webhookConfigName, src.GetCertificate, 0).Ready
	}
	opts := webhooks.Options{Policy: pol, Decode: manifest.FromJSON,
		Metrics: metrics, Log: log.Named("admission"), Debug: f.logLevel == "debug"}
	if client != nil {
		nsCache := webhooks.NewNamespaceCache(client, namespaceResync)
		go nsCache.Start(ctx)
		opts.Namespaces, ready["namespaces"] = nsCache, nsCache.Ready
	}
	srvOpts, err := serverOptions(f, src, guardDeletes(f, opts, webhooks.NewValidator(opts), log), webhooks.NewMutator(opts), reg, ready, log)
	if err != nil {
		return usageError(err)
	}
	srvOpts.Metrics = metrics // HTTP-layer rejections (429, 413, ...) are counted, not only logged
	srv, err := webhooks.NewServer(srvOpts)
	if err != nil {
		return usageError(err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		if err := src.Start(runCtx); err != nil {
			cancel(fmt.Errorf("certificate source: %w", err))
		}
	}()
	if f.configPath != "" {
		go watchConfig(runCtx, f, pol, cancel)
	}
	startBackgroundAudit(runCtx, f, pol, reg, log.Named("audit"))
	if err := srv.Run(runCtx); err != nil {
		return err
	}
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// kubeClient returns a clientset from --kubeconfig or the in-cluster config.
func kubeClient(kubeconfig string) (kubernetes.Interface, error) {
	cfg, err := restConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return c, nil
}

// certificateSource builds the source selected by --cert-mode.
func certificateSource(f *serveFlags, client kubernetes.Interface, log *zap.Logger) (certs.Source, error) {
	if f.certMode == certModeFile {
		return certs.NewFileSource(f.certDir, log)
	}
	svc, ns := f.serviceName, f.namespace
	sans := append([]string{svc, svc + "." + ns, svc + "." + ns + ".svc"}, f.extraSANs...)
	return certs.NewSelfManaged(certs.SelfManagedOptions{
		Client: client, Namespace: ns, SecretName: f.secretName,
		WebhookConfigName: f.webhookConfigName, SANs: sans, Log: log,
	})
}

// loadInitialConfig installs the configuration at start. An invalid file
// leaves the server unready until the watcher sees a valid one.
func loadInitialConfig(f *serveFlags, pol *webhooks.Policy) {
	cfg := config.Default()
	if f.configPath != "" {
		var err error
		if cfg, err = config.Load(f.configPath); err != nil {
			pol.Reject(err)
			return
		}
	}
	applyConfig(f, pol, cfg)
}

// applyConfig compiles cfg into an engine and puts it in force.
func applyConfig(f *serveFlags, pol *webhooks.Policy, cfg *config.Config) {
	s := cfg.Settings
	s.Mutation.OwnNamespace = f.namespace
	eng, err := policy.NewEngine(s)
	if err != nil {
		pol.Reject(fmt.Errorf("compile config %s: %w", cfg.Source, err))
		return
	}
	pol.Set(eng)
}

// watchConfig hot-reloads --config until ctx is done.
func watchConfig(ctx context.Context, f *serveFlags, pol *webhooks.Policy, cancel context.CancelCauseFunc) {
	err := config.Watch(ctx, f.configPath, configPollInterval,
		func(cfg *config.Config) { applyConfig(f, pol, cfg) }, pol.Reject)
	if err != nil {
		cancel(fmt.Errorf("config watcher: %w", err))
	}
}

// serverOptions maps the flags onto webhooks.ServerOptions.
func serverOptions(f *serveFlags, src certs.Source, v admission.Handler, m *webhooks.Mutator,
	reg *prometheus.Registry, ready map[string]func() error, log *zap.Logger) (webhooks.ServerOptions, error) {
	minVersion, err := webhooks.ParseTLSVersion(f.tlsMinVersion)
	if err != nil {
		return webhooks.ServerOptions{}, err
	}
	tlsOpts := webhooks.TLSOptions{MinVersion: minVersion, EnableHTTP2: f.enableHTTP2}
	if f.clientCAFile != "" {
		if tlsOpts.ClientCAs, err = webhooks.LoadClientCAs(f.clientCAFile); err != nil {
			return webhooks.ServerOptions{}, err
		}
	}
	return webhooks.ServerOptions{
		BindAddress: f.bindAddress, Port: f.port, HealthAddr: f.healthAddr, MetricsAddr: f.metricsAddr,
		Certificates: src, TLS: tlsOpts, MaxRequestBytes: f.maxRequestBytes, MaxInflightBytes: f.maxInflightBytes, MaxConnections: f.maxConnections, ShutdownGrace: f.shutdownGrace,
		MaxInflightBytesPerSource: f.maxInflightBytesPerSource, MaxConnectionsPerSource: f.maxConnectionsPerSource,
		Validator: v, Mutator: m, Gatherer: reg, ReadyChecks: ready, Log: log.Named("server"),
	}, nil
}
