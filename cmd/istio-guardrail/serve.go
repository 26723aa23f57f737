package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// serveFlags are the flags of `istio-guardrail serve`. The names are a
// contract shared with the Helm chart, the e2e suite and the demo.
type serveFlags struct {
	configPath        string
	port              int
	bindAddress       string
	healthAddr        string
	metricsAddr       string
	certMode          string
	certDir           string
	namespace         string
	secretName        string
	webhookConfigName string
	serviceName       string
	extraSANs         stringList
	kubeconfig        string
	tlsMinVersion     string
	enableHTTP2       bool
	clientCAFile      string
	maxRequestBytes   int64
	maxInflightBytes  int64
	maxConnections    int
	// per-source shares (0: derived from the caps above)
	maxInflightBytesPerSource int64
	maxConnectionsPerSource   int
	logFormat                 string
	logLevel                  string
	shutdownGrace             time.Duration
	audit                     auditFlags // the background audit (serve_audit.go)
}

// Certificate modes.
const (
	certModeFile        = "file"
	certModeSelfManaged = "self-managed"
)

func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the admission webhook server",
		Long: "serve runs the validating and mutating admission webhook server until SIGTERM or SIGINT.\n" +
			"Exit 0 after a clean shutdown, 1 when the server fails, 2 for usage errors.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Errorf("unexpected arguments: %s", strings.Join(args, " ")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return usageError(err)
			}
			return serveUntilSignal(f, cmd.ErrOrStderr())
		},
	}
	serveFlagSet(cmd.Flags(), f)
	return cmd
}

// parseServeFlags parses serve's flags as the serve command does.
func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	serveFlagSet(fs, f)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return f, f.validate()
}

// serveFlagSet declares serve's flags on fs, bound to f.
func serveFlagSet(fs *pflag.FlagSet, f *serveFlags) {
	fs.StringVar(&f.configPath, "config", "", "GuardrailConfig file, watched and hot-reloaded (default: built-in defaults)")
	fs.IntVar(&f.port, "port", 9443, "HTTPS webhook port")
	fs.StringVar(&f.bindAddress, "bind-address", "", "webhook bind address (default all interfaces)")
	fs.StringVar(&f.healthAddr, "health-addr", ":8081", "plain-HTTP address of /healthz and /readyz")
	fs.StringVar(&f.metricsAddr, "metrics-addr", ":8080", `plain-HTTP address of /metrics ("0" disables)`)
	fs.StringVar(&f.certMode, "cert-mode", certModeFile, "serving certificate mode: file or self-managed")
	fs.StringVar(&f.certDir, "cert-dir", "/tls", "file mode: directory holding tls.crt and tls.key, reloaded on change")
	fs.StringVar(&f.namespace, "namespace", defaultNamespace(), "the guardrail's own namespace (never mutated; home of the self-managed Secret)")
	fs.StringVar(&f.secretName, "secret-name", "istio-guardrail-tls", "self-managed mode: Secret holding the CA and serving certificate")
	fs.StringVar(&f.webhookConfigName, "webhook-config-name", "istio-guardrail", "self-managed mode: webhook configurations whose caBundle is maintained")
	fs.StringVar(&f.serviceName, "service-name", "istio-guardrail", "self-managed mode: Service name used for the certificate's DNS names")
	fs.Var(&f.extraSANs, "extra-san", "self-managed mode: extra DNS name or IP in the certificate (repeatable)")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default in-cluster)")
	fs.StringVar(&f.tlsMinVersion, "tls-min-version", "1.2", "minimum TLS version: 1.2 or 1.3")
	fs.BoolVar(&f.enableHTTP2, "enable-http2", false, "offer HTTP/2 (off by default: HTTP/2 Rapid Reset)")
	fs.StringVar(&f.clientCAFile, "client-ca-file", "", "require client certificates signed by the CAs in this PEM file")
	fs.Int64Var(&f.maxRequestBytes, "max-request-bytes", webhooks.DefaultMaxRequestBytes, "request body cap in bytes")
	fs.Int64Var(&f.maxInflightBytes, "max-inflight-bytes", 0,
		"request bytes read and handled at once by both endpoints, reserved as they arrive; more wait, then get 429 (0: 4x --max-request-bytes)")
	fs.IntVar(&f.maxConnections, "max-connections", webhooks.DefaultMaxConnections,
		"concurrent webhook connections; more wait in the accept queue")
	fs.Int64Var(&f.maxInflightBytesPerSource, "max-inflight-bytes-per-source", 0,
		"in-flight bytes one source (verified client certificate subject, else remote address) may hold (0: half of --max-inflight-bytes)")
	fs.IntVar(&f.maxConnectionsPerSource, "max-connections-per-source", 0,
		"concurrent webhook connections from one remote address; more are closed at once (0: a quarter of --max-connections)")
	fs.StringVar(&f.logFormat, "log-format", "json", "log format: json or console")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: info or debug (debug logs object bodies)")
	fs.DurationVar(&f.shutdownGrace, "shutdown-grace", 15*time.Second, "on SIGTERM: time for readiness to drain and in-flight requests to finish")
	f.audit.register(fs)
}

// validate checks flag values that the flag package cannot.
func (f *serveFlags) validate() error {
	switch {
	case f.certMode != certModeFile && f.certMode != certModeSelfManaged:
		return fmt.Errorf("--cert-mode %q: want file or self-managed", f.certMode)
	case f.logFormat != "json" && f.logFormat != "console":
		return fmt.Errorf("--log-format %q: want json or console", f.logFormat)
	case f.logLevel != "info" && f.logLevel != "debug":
		return fmt.Errorf("--log-level %q: want info or debug", f.logLevel)
	case f.maxRequestBytes <= 0:
		return errors.New("--max-request-bytes must be positive")
	case f.maxInflightBytes < 0:
		return errors.New("--max-inflight-bytes must not be negative")
	case f.maxConnections <= 0:
		return errors.New("--max-connections must be positive")
	case f.maxInflightBytesPerSource < 0:
		return errors.New("--max-inflight-bytes-per-source must not be negative")
	case f.maxConnectionsPerSource < 0:
		return errors.New("--max-connections-per-source must not be negative")
	case f.shutdownGrace <= 0:
		return errors.New("--shutdown-grace must be positive")
	case f.namespace == "":
		return errors.New("--namespace must not be empty")
	}
	_, err := webhooks.ParseTLSVersion(f.tlsMinVersion)
	return err
}

// defaultNamespace is $POD_NAMESPACE, else istio-guardrail.
func defaultNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	return "istio-guardrail"
}

// runServe runs `istio-guardrail serve args...` and returns its exit code.
func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(append([]string{"serve"}, args...), stdin, stdout, stderr)
}

// serveUntilSignal runs the webhook server until SIGTERM or SIGINT.
func serveUntilSignal(f *serveFlags, stderr io.Writer) error {
	log, err := newLogger(f.logFormat, f.logLevel)
	if err != nil {
		return usageError(err)
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, f, log); err != nil {
		var ce *codeError
		if errors.As(err, &ce) {
			return err // a start-up input error: printed by run, exit 2
		}
		// A failure while serving: logged (without a stack trace: it is
		// not a programming error), exit 1.
		log.WithOptions(zap.AddStacktrace(zap.DPanicLevel)).Error("serve failed", zap.Error(err))
		return exitWith(1, nil)
	}
	return nil
}
