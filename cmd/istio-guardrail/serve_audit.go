package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/pflag"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/audit"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// restConfig returns the API client configuration from --kubeconfig or the
// in-cluster config.
func restConfig(kubeconfig string) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("kubernetes client config: %w", err)
	}
	cfg.UserAgent = "istio-guardrail"
	return cfg, nil
}

// guardDeletes puts the DELETE guard of the hardening's anchors (IGR810) in
// front of the validator. Without API access it cannot look up what remains
// after a DELETE, so DELETE requests are answered as errors and the
// webhook's failurePolicy decides.
func guardDeletes(f *serveFlags, opts webhooks.Options, v admission.Handler, log *zap.Logger) admission.Handler {
	var lister webhooks.AnchorLister = unreachableAPI{}
	if cfg, err := restConfig(f.kubeconfig); err == nil {
		if ol, err := audit.NewObjectLister(cfg, manifest.FromJSON); err == nil {
			lister = ol
		} else {
			log.Warn("DELETE guard: no API access", zap.Error(err))
		}
	}
	return webhooks.NewDeleteGuard(opts, lister, v)
}

// unreachableAPI is the AnchorLister without API access: every look-up fails.
type unreachableAPI struct{}

func (unreachableAPI) List(context.Context, policy.Kind, string) ([]*policy.Object, error) {
	return nil, errors.New("no Kubernetes API access")
}

// auditFlags are serve's flags of the background audit.
type auditFlags struct {
	enabled                                   bool
	interval                                  time.Duration
	maxResults                                int
	writesPerSecond                           float64
	leaseDuration, renewDeadline, retryPeriod time.Duration
	syncTimeout, discoveryInterval            time.Duration
}

func (a *auditFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&a.enabled, "audit", false, "run the background audit: the leader (Lease in --namespace) publishes OpenReports reports")
	fs.DurationVar(&a.interval, "audit-interval", 30*time.Second, "least time between two background evaluations")
	fs.IntVar(&a.maxResults, "audit-max-results", 200, "results per report at most (failures first)")
	fs.Float64Var(&a.writesPerSecond, "audit-writes-per-second", 5, "report writes per second at most")
	fs.DurationVar(&a.leaseDuration, "audit-lease-duration", 15*time.Second, "leader election lease duration")
	fs.DurationVar(&a.renewDeadline, "audit-renew-deadline", 10*time.Second, "leader election renew deadline")
	fs.DurationVar(&a.retryPeriod, "audit-retry-period", 2*time.Second, "leader election retry period")
	fs.DurationVar(&a.syncTimeout, "audit-sync-timeout", 2*time.Minute,
		"wait at most this long for every kind's first list; then publish without the kinds not listed, named as errors")
	fs.DurationVar(&a.discoveryInterval, "audit-discovery-interval", time.Minute,
		"how often the leader asks discovery again: kinds served since are watched, kinds no longer served are retired")
}

// startBackgroundAudit runs the background audit next to the webhook when
// --audit is set. Its failures are logged, never fatal: admission must not
// depend on it.
func startBackgroundAudit(ctx context.Context, f *serveFlags, pol *webhooks.Policy, reg prometheus.Registerer, log *zap.Logger) {
	if !f.audit.enabled {
		return
	}
	cfg, err := restConfig(f.kubeconfig)
	if err != nil {
		log.Error("background audit disabled: no API access", zap.Error(err))
		return
	}
	engine := func() *policy.Engine {
		eng, _ := pol.Current().(*policy.Engine)
		return eng
	}
	a := f.audit
	go func() {
		err := audit.RunBackground(ctx, audit.BackgroundOptions{Config: cfg, Engine: engine, Decode: manifest.FromJSON,
			LeaseNamespace: f.namespace, LeaseDuration: a.leaseDuration, RenewDeadline: a.renewDeadline, RetryPeriod: a.retryPeriod,
			Interval: a.interval, MaxResults: a.maxResults, WritesPerSecond: a.writesPerSecond, Log: log, Registry: reg,
			SyncTimeout: a.syncTimeout, DiscoveryInterval: a.discoveryInterval})
		if err != nil {
			log.Error("background audit stopped", zap.Error(err))
		}
	}()
}
