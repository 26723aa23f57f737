package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// Dir holds all state: etcd data, certificates, logs, pid files, kubeconfig.
	Dir      string
	Binaries Binaries
	// Detach lets the cluster outlive the caller (the demo). Otherwise every
	// process of it is killed when the caller dies, even by SIGKILL or go
	// test's -timeout: envtest starts etcd and kube-apiserver in process
	// groups of their own without a parent-death signal, so StartCluster
	// starts them through setpriv --pdeathsig (see attached).
	Detach bool
	// StartTimeout bounds the start of etcd and of the API server (default 90s).
	StartTimeout time.Duration
	// ServiceAccountAdmission keeps the API server's ServiceAccount admission
	// plugin on, as in a real cluster (every Pod gets a serviceAccountName,
	// which Istio's injected istio-token volume requires). It rejects Pods in
	// a namespace whose "default" ServiceAccount does not exist yet, so only
	// set it when kube-controller-manager runs from the start (the demo).
	ServiceAccountAdmission bool
	// APIServerFlags are set on kube-apiserver over envtest's and the
	// framework's defaults (flag name without "--" to its values), e.g.
	// "admission-control-config-file".
	APIServerFlags map[string][]string
}

// Cluster is a running etcd + kube-apiserver pair on loopback, started by
// controller-runtime's envtest from the binaries in Binaries.
type Cluster struct {
	Dir        string
	Kubeconfig string // admin kubeconfig (system:masters client certificate)
	Server     string // https://127.0.0.1:<port>
	Config     *rest.Config
	Client     kubernetes.Interface
	Binaries   Binaries

	env               *envtest.Environment
	controllerManager *Process
	// caFile is the API server's serving CA; saKey signs (and verifies)
	// service-account tokens. Both are read by kube-controller-manager.
	caFile, saKey string
	logs          []*os.File
	detach        bool
}

// StartCluster starts etcd and kube-apiserver with envtest, writes the admin
// kubeconfig and pid files for both processes. The API server runs as envtest
// configures it (RBAC, client-certificate users, ServiceAccount admission
// off) plus a loopback advertise address, the in-cluster service-account
// issuer and APIServerFlags. On error everything started so far is stopped.
func StartCluster(ctx context.Context, o ClusterOptions) (c *Cluster, err error) {
	if o.StartTimeout == 0 {
		o.StartTimeout = 90 * time.Second
	}
	c = &Cluster{Dir: o.Dir, Binaries: o.Binaries, Kubeconfig: filepath.Join(o.Dir, "kubeconfig"), detach: o.Detach,
		caFile: filepath.Join(o.Dir, "pki", "ca.crt"), saKey: filepath.Join(o.Dir, "pki", "sa.key")}
	defer func() {
		if err != nil {
			_ = c.Stop()
			c = nil
		}
	}()
	// envtest logs through controller-runtime's logger; its errors are also
	// returned, and an unset logger prints a warning with a stack trace.
	ctrllog.SetLogger(logr.Discard())
	if err := os.MkdirAll(filepath.Join(o.Dir, "pki"), 0o700); err != nil {
		return c, fmt.Errorf("create %s: %w", o.Dir, err)
	}
	sa, err := testpki.NewSigningKeyPEM()
	if err != nil {
		return c, err
	}
	if err := os.WriteFile(c.saKey, sa, 0o600); err != nil {
		return c, fmt.Errorf("write service-account key: %w", err)
	}
	etcdLog, err := c.openLog("etcd.log")
	if err != nil {
		return c, err
	}
	apiLog, err := c.openLog("kube-apiserver.log")
	if err != nil {
		return c, err
	}
	etcd, apiServer := o.Binaries.Etcd, o.Binaries.APIServer
	if !o.Detach {
		if etcd, err = c.attached("etcd", etcd); err != nil {
			return c, err
		}
		if apiServer, err = c.attached("kube-apiserver", apiServer); err != nil {
			return c, err
		}
	}
	c.env = &envtest.Environment{
		ControlPlane: envtest.ControlPlane{
			Etcd:        &envtest.Etcd{Path: etcd, DataDir: filepath.Join(o.Dir, "etcd"), Out: etcdLog, Err: etcdLog},
			APIServer:   &envtest.APIServer{Path: apiServer, CertDir: filepath.Join(o.Dir, "pki"), Out: apiLog, Err: apiLog},
			KubectlPath: o.Binaries.Kubectl,
		},
		ControlPlaneStartTimeout: o.StartTimeout,
		ControlPlaneStopTimeout:  10 * time.Second,
		// Never the cluster of the caller's kubeconfig (USE_EXISTING_CLUSTER).
		UseExistingCluster: ptr.To(false),
	}
	c.env.ControlPlane.Etcd.Configure().Set("listen-metrics-urls", "").Set("log-level", "warn")
	args := c.env.ControlPlane.APIServer.Configure().
		Set("advertise-address", "127.0.0.1").
		// A loopback advertise address is refused by the endpoint reconciler.
		Set("endpoint-reconciler-type", "none").
		Set("service-account-issuer", "https://kubernetes.default.svc.cluster.local").
		Set("service-account-key-file", c.saKey).Set("service-account-signing-key-file", c.saKey).
		Set("profiling", "false")
	if o.ServiceAccountAdmission {
		args.Disable("disable-admission-plugins")
	}
	for k, v := range o.APIServerFlags {
		args.Set(k, v...)
	}
	if c.Config, err = c.env.Start(); err != nil {
		return c, fmt.Errorf("start etcd and kube-apiserver: %w\netcd log:\n%s\nkube-apiserver log:\n%s",
			err, TailFile(etcdLog.Name(), 20), TailFile(apiLog.Name(), 40))
	}
	// Only the API server's certificates are wanted from envtest; the
	// serving certificates it writes for in-process webhooks are not.
	if err := c.env.WebhookInstallOptions.Cleanup(); err != nil {
		return c, err
	}
	c.Server = strings.TrimSuffix(c.Config.Host, "/")
	if err := os.WriteFile(c.Kubeconfig, c.env.KubeConfig, 0o600); err != nil {
		return c, fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := os.WriteFile(c.caFile, c.env.ControlPlane.APIServer.SecureServing.CA, 0o600); err != nil {
		return c, fmt.Errorf("write the API server's CA: %w", err)
	}
	if c.Client, err = kubernetes.NewForConfig(c.Config); err != nil {
		return c, fmt.Errorf("build client: %w", err)
	}
	return c, c.writePIDFiles()
}

// attached writes a launcher for bin that execs it with SIGKILL as its
// parent-death signal (setpriv, util-linux), so that the process dies with
// the one that started it, as StartProcess's attached children do. The
// launcher execs: the process id envtest holds is bin's own.
func (c *Cluster) attached(name, bin string) (string, error) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return "", fmt.Errorf("%s must die with the test that starts it: setpriv (Debian package util-linux) is needed: %w", name, err)
	}
	launcher := filepath.Join(c.Dir, name+"-attached")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --pdeathsig KILL -- %s \"$@\"\n", shellQuote(setpriv), shellQuote(bin))
	if err := os.WriteFile(launcher, []byte(script), 0o700); err != nil {
		return "", fmt.Errorf("write %s launcher: %w", name, err)
	}
	return launcher, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// writePIDFiles records etcd's and kube-apiserver's process ids (envtest
// does not expose them), so that KillPIDFile can stop a detached cluster.
func (c *Cluster) writePIDFiles() error {
	for name, arg := range map[string]string{
		"etcd":           "--data-dir=" + c.env.ControlPlane.Etcd.DataDir,
		"kube-apiserver": "--cert-dir=" + c.env.ControlPlane.APIServer.CertDir,
	} {
		pid, err := pidWithArg(arg)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := writePIDFile(filepath.Join(c.Dir, name+".pid"), pid); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) openLog(name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(c.Dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	c.logs = append(c.logs, f)
	return f, nil
}

// Stop stops the controller-manager (if started), the API server, then etcd.
func (c *Cluster) Stop() error {
	var errs []error
	if c.controllerManager != nil {
		errs = append(errs, c.controllerManager.Stop(10*time.Second))
	}
	if c.env != nil {
		errs = append(errs, c.env.Stop())
	}
	for _, f := range c.logs {
		_ = f.Close()
	}
	return errors.Join(errs...)
}
