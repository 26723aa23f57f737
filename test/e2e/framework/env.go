package framework

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults of an Env, matching the Helm chart's defaults.
const (
	DefaultNamespace   = "istio-guardrail"
	DefaultWebhookName = "istio-guardrail"
)

// MinimalConfig is a GuardrailConfig that keeps every built-in default.
const MinimalConfig = "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\n"

// EnvOptions configures StartEnv.
type EnvOptions struct {
	Dir      string
	Binaries Binaries
	// Namespace is the guardrail's own namespace (default DefaultNamespace).
	Namespace string
	// WebhookName names both webhook configurations (default DefaultWebhookName).
	WebhookName string
	// Config is the initial GuardrailConfig (default MinimalConfig), written
	// to ConfigPath and watched by the server.
	Config string
	// Detach lets every process outlive the caller (the demo).
	Detach bool
	// ControllerManager starts kube-controller-manager with the cluster and
	// keeps the ServiceAccount admission plugin on (ClusterOptions).
	ControllerManager bool
	// Logf reports progress (optional).
	Logf func(format string, args ...any)
}

// Env is a control plane with the guardrail installed and enforcing.
type Env struct {
	Cluster     *Cluster
	Guardrail   *Guardrail
	Namespace   string
	WebhookName string
	ConfigPath  string
	// Istiods are the istiod revisions started by StartIstiod, in order.
	Istiods []*Istiod
}

// StartEnv starts the cluster, installs the CRDs, creates the guardrail's
// namespace, starts istio-guardrail serve in file mode and registers the
// webhook configurations, then waits until the webhook enforces. On error
// everything started is stopped.
func StartEnv(ctx context.Context, o EnvOptions) (e *Env, err error) {
	o = o.withDefaults()
	e = &Env{Namespace: o.Namespace, WebhookName: o.WebhookName, ConfigPath: filepath.Join(o.Dir, "config", configFileName)}
	defer func() {
		if err != nil {
			_ = e.Stop()
			e = nil
		}
	}()
	o.Logf("starting etcd and kube-apiserver under %s", o.Dir)
	if e.Cluster, err = StartCluster(ctx, ClusterOptions{Dir: o.Dir, Binaries: o.Binaries, Detach: o.Detach,
		ServiceAccountAdmission: o.ControllerManager}); err != nil {
		return e, err
	}
	if o.ControllerManager {
		o.Logf("starting kube-controller-manager")
		if err = e.Cluster.StartControllerManager(ctx); err != nil {
			return e, err
		}
	}
	o.Logf("installing the Istio and cert-manager CRDs")
	if err = e.Cluster.InstallCRDs(ctx); err != nil {
		return e, err
	}
	if err = e.Cluster.CreateNamespace(ctx, o.Namespace, nil); err != nil {
		return e, err
	}
	if err = e.WriteConfig(o.Config); err != nil {
		return e, err
	}
	o.Logf("starting istio-guardrail serve")
	if e.Guardrail, err = StartGuardrail(ctx, GuardrailOptions{Dir: o.Dir, Binary: o.Binaries.Guardrail,
		Namespace: o.Namespace, ConfigPath: e.ConfigPath, Kubeconfig: e.Cluster.Kubeconfig, Detach: o.Detach}); err != nil {
		return e, err
	}
	o.Logf("registering the webhook configurations")
	if err = e.RegisterWebhooks(ctx); err != nil {
		return e, err
	}
	return e, e.WaitEnforcing(ctx)
}

func (o EnvOptions) withDefaults() EnvOptions {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.WebhookName == "" {
		o.WebhookName = DefaultWebhookName
	}
	if o.Config == "" {
		o.Config = MinimalConfig
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// configFileName is the key of the chart's ConfigMap.
const configFileName = "config.yaml"

// WriteConfig replaces the GuardrailConfig the server watches, the way the
// kubelet updates a mounted ConfigMap (see WriteConfigMapFile).
func (e *Env) WriteConfig(content string) error {
	return WriteConfigMapFile(filepath.Dir(e.ConfigPath), configFileName, content)
}

// StartIstiod starts kube-controller-manager (once) and one istiod revision
// (see Cluster.StartIstiod), stopped by Stop.
func (e *Env) StartIstiod(ctx context.Context, o IstiodOptions) (*Istiod, error) {
	if err := e.Cluster.StartControllerManager(ctx); err != nil {
		return nil, err
	}
	d, err := e.Cluster.StartIstiod(ctx, o)
	if err != nil {
		return nil, err
	}
	e.Istiods = append(e.Istiods, d)
	return d, nil
}

// Stop stops istiod, the guardrail and the control plane.
func (e *Env) Stop() error {
	var errs []error
	for _, d := range e.Istiods {
		errs = append(errs, d.Stop())
	}
	if e.Guardrail != nil {
		errs = append(errs, e.Guardrail.Stop())
	}
	if e.Cluster != nil {
		errs = append(errs, e.Cluster.Stop())
	}
	return errors.Join(errs...)
}

// WebhookOptions returns the options of this Env's webhook configurations:
// the chart's defaults, without the mesh-config entry (the framework leaves
// it off), since Istio's chart-default mesh config, which StartIstiod applies
// to istio-system unchanged, is denied by IGR606, IGR608 and IGR609.
func (e *Env) WebhookOptions() WebhookOptions {
	return WebhookOptions{Name: e.WebhookName, Namespace: e.Namespace, CABundle: e.Guardrail.CA.CertPEM, URL: e.Guardrail.URL()}
}

// RegisterWebhooks creates (or restores) this Env's webhook configurations.
func (e *Env) RegisterWebhooks(ctx context.Context) error {
	vwc, mwc, err := WebhookConfigurations(ctx, e.Cluster.Binaries.Helm, e.WebhookOptions())
	if err != nil {
		return err
	}
	return ApplyWebhookConfigurations(ctx, e.Cluster.Client, vwc, mwc)
}

// probePeerAuthentication is denied by IGR101 under the default config.
const probePeerAuthentication = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: e2e-probe
  namespace: default
spec:
  mtls:
    mode: PERMISSIVE
`

// WaitEnforcing waits until the API server calls the validating webhook: a
// server-side dry run of a PERMISSIVE PeerAuthentication in the default
// namespace is denied by an admission webhook, or (when the configuration
// lowers IGR101) answered with a warning naming a rule.
func (e *Env) WaitEnforcing(ctx context.Context) error {
	return Poll(ctx, 30*time.Second, 250*time.Millisecond, func(ctx context.Context) error {
		r := e.Cluster.Kubectl(ctx, probePeerAuthentication, "apply", "--dry-run=server", "-f", "-")
		if (r.Err != nil && strings.Contains(r.Stderr, "denied the request")) || strings.Contains(r.Stderr, "Warning: IGR") {
			return nil
		}
		return fmt.Errorf("webhook not enforcing yet: %s", r)
	})
}

// CreateNamespace creates a namespace with labels; an existing one is kept.
func (c *Cluster) CreateNamespace(ctx context.Context, name string, labels map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
