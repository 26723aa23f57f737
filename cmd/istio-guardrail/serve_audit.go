package main

import (
	"context"
	"errors"
	"fmt"

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
