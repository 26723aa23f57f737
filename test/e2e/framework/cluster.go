package framework

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// Dir holds all state: etcd data, certificates, logs, pid files, kubeconfig.
	Dir      string
	Binaries Binaries
	// Detach lets the processes outlive the caller (the demo).
	Detach bool
	// StartTimeout bounds the start of etcd and the API server (default 90s).
	StartTimeout time.Duration
	// ServiceAccountAdmission keeps the API server's ServiceAccount admission
	// plugin on, as in a real cluster (every Pod gets a serviceAccountName,
	// which Istio's injected istio-token volume requires). It rejects Pods in
	// a namespace whose "default" ServiceAccount does not exist yet, so only
	// set it when kube-controller-manager runs from the start (the demo).
	ServiceAccountAdmission bool
	// APIServerArgs are appended to kube-apiserver's flags (e.g.
	// --admission-control-config-file).
	APIServerArgs []string
}

// Cluster is a running etcd + kube-apiserver pair on loopback.
type Cluster struct {
	Dir        string
	Kubeconfig string // admin kubeconfig (system:masters client certificate)
	Server     string // https://127.0.0.1:<port>
	Config     *rest.Config
	Client     kubernetes.Interface
	Binaries   Binaries

	etcd, apiServer, controllerManager *Process
	pki                                clusterPKI
	detach                             bool
}

// StartCluster starts etcd and kube-apiserver and waits until the API server
// is ready. On error everything started so far is stopped.
func StartCluster(ctx context.Context, o ClusterOptions) (c *Cluster, err error) {
	if o.StartTimeout == 0 {
		o.StartTimeout = 90 * time.Second
	}
	c = &Cluster{Dir: o.Dir, Binaries: o.Binaries, Kubeconfig: filepath.Join(o.Dir, "kubeconfig"), detach: o.Detach}
	defer func() {
		if err != nil {
			_ = c.Stop()
			c = nil
		}
	}()
	pki, err := newClusterPKI(filepath.Join(o.Dir, "pki"))
	if err != nil {
		return c, err
	}
	c.pki = pki
	etcdURL, err := c.startEtcd(ctx, o)
	if err != nil {
		return c, err
	}
	if err := c.startAPIServer(ctx, o, pki, etcdURL); err != nil {
		return c, err
	}
	if err := c.writeKubeconfig(pki); err != nil {
		return c, err
	}
	c.Client, err = kubernetes.NewForConfig(c.Config)
	if err != nil {
		return c, fmt.Errorf("build client: %w", err)
	}
	return c, c.waitReady(ctx, o.StartTimeout)
}

// Stop stops the controller-manager (if started), the API server, then etcd.
func (c *Cluster) Stop() error {
	var errs []error
	for _, p := range []*Process{c.controllerManager, c.apiServer, c.etcd} {
		if p != nil {
			errs = append(errs, p.Stop(10*time.Second))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) startEtcd(ctx context.Context, o ClusterOptions) (string, error) {
	clientPort, err := FreePort()
	if err != nil {
		return "", err
	}
	peerPort, err := FreePort()
	if err != nil {
		return "", err
	}
	clientURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	c.etcd, err = StartProcess(ProcessSpec{
		Name: "etcd", Path: o.Binaries.Etcd, Detach: o.Detach,
		LogPath: filepath.Join(o.Dir, "etcd.log"), PIDFile: filepath.Join(o.Dir, "etcd.pid"),
		Args: []string{
			"--name=e2e", "--data-dir=" + filepath.Join(o.Dir, "etcd"),
			"--listen-client-urls=" + clientURL, "--advertise-client-urls=" + clientURL,
			"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=e2e=" + peerURL, "--unsafe-no-fsync=true",
			"--listen-metrics-urls=", "--log-level=warn",
		},
	})
	if err != nil {
		return "", err
	}
	return clientURL, waitTCP(ctx, c.etcd, "127.0.0.1:"+strconv.Itoa(clientPort), o.StartTimeout)
}

func (c *Cluster) startAPIServer(ctx context.Context, o ClusterOptions, pki clusterPKI, etcdURL string) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	// Without a controller-manager from the start, nothing creates default
	// service accounts, so the ServiceAccount admission plugin would reject
	// every Pod.
	admission := "--disable-admission-plugins=ServiceAccount"
	if o.ServiceAccountAdmission {
		admission = "--disable-admission-plugins="
	}
	c.Server = "https://127.0.0.1:" + strconv.Itoa(port)
	c.apiServer, err = StartProcess(ProcessSpec{
		Name: "kube-apiserver", Path: o.Binaries.APIServer, Detach: o.Detach,
		LogPath: filepath.Join(o.Dir, "kube-apiserver.log"), PIDFile: filepath.Join(o.Dir, "kube-apiserver.pid"),
		Args: append([]string{
			"--advertise-address=127.0.0.1", "--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port), "--etcd-servers=" + etcdURL,
			"--cert-dir=" + pki.dir,
			"--tls-cert-file=" + pki.servingCert, "--tls-private-key-file=" + pki.servingKey,
			"--client-ca-file=" + pki.caFile,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + pki.saKey, "--service-account-signing-key-file=" + pki.saKey,
			"--service-cluster-ip-range=10.0.0.0/24",
			"--authorization-mode=RBAC",
			admission,
			"--allow-privileged=true", "--profiling=false",
			// A loopback advertise address is refused by the endpoint reconciler.
			"--endpoint-reconciler-type=none",
		}, o.APIServerArgs...),
	})
	if err != nil {
		return err
	}
	return waitTCP(ctx, c.apiServer, "127.0.0.1:"+strconv.Itoa(port), o.StartTimeout)
}

func (c *Cluster) writeKubeconfig(pki clusterPKI) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: pki.ca.CertPEM}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: pki.admin.CertPEM, ClientKeyData: pki.admin.KeyPEM}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "admin", Namespace: "default"}
	kc.CurrentContext = "e2e"
	if err := clientcmd.WriteToFile(*kc, c.Kubeconfig); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c.Config = cfg
	return nil
}

// waitReady polls /readyz until the API server reports ready.
func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	return Poll(ctx, timeout, 250*time.Millisecond, func(ctx context.Context) error {
		if exited, werr := c.apiServer.Exited(); exited {
			return Permanent(fmt.Errorf("kube-apiserver exited (%w):\n%s", werr, c.apiServer.Logs()))
		}
		body, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("kube-apiserver not ready: %w: %s", err, body)
		}
		return nil
	})
}

// waitTCP waits until addr accepts connections or p exits.
func waitTCP(ctx context.Context, p *Process, addr string, timeout time.Duration) error {
	return Poll(ctx, timeout, 100*time.Millisecond, func(ctx context.Context) error {
		if exited, werr := p.Exited(); exited {
			return Permanent(fmt.Errorf("%s exited (%w):\n%s", p.spec.Name, werr, p.Logs()))
		}
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("%s not listening on %s: %w", p.spec.Name, addr, err)
		}
		return conn.Close()
	})
}

// clusterPKI is the API server's CA, serving and admin certificates on disk.
type clusterPKI struct {
	dir                                    string
	ca                                     *testpki.CA
	admin                                  testpki.KeyPair
	caFile, servingCert, servingKey, saKey string
}

func newClusterPKI(dir string) (clusterPKI, error) {
	p := clusterPKI{dir: dir, caFile: filepath.Join(dir, "ca.crt"),
		servingCert: filepath.Join(dir, "apiserver.crt"), servingKey: filepath.Join(dir, "apiserver.key"),
		saKey: filepath.Join(dir, "sa.key")}
	var err error
	if p.ca, err = testpki.NewCA("e2e-kubernetes-ca"); err != nil {
		return p, err
	}
	serving, err := p.ca.Issue(testpki.LeafOptions{CommonName: "kube-apiserver",
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPs:      []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 0, 0, 1)}})
	if err != nil {
		return p, err
	}
	if err := serving.Write(dir, "apiserver.crt", "apiserver.key"); err != nil {
		return p, err
	}
	if p.admin, err = p.ca.Issue(testpki.LeafOptions{CommonName: "e2e-admin", Organization: []string{"system:masters"}, Client: true}); err != nil {
		return p, err
	}
	sa, err := testpki.NewSigningKeyPEM()
	if err != nil {
		return p, err
	}
	if err := os.WriteFile(p.saKey, sa, 0o600); err != nil {
		return p, fmt.Errorf("write service-account key: %w", err)
	}
	return p, os.WriteFile(p.caFile, p.ca.CertPEM, 0o600)
}
