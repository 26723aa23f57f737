package framework

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// Cert modes of istio-guardrail serve --cert-mode.
const (
	CertModeFile        = "file"
	CertModeSelfManaged = "self-managed"
)

// GuardrailOptions configures one istio-guardrail serve process.
type GuardrailOptions struct {
	// Name distinguishes several servers' logs and pid files (default "guardrail").
	Name string
	// Dir holds the process's certificates, log and pid file.
	Dir    string
	Binary string
	// Namespace is the guardrail's own namespace (--namespace).
	Namespace string
	// ConfigPath is the GuardrailConfig file (--config), "" for defaults.
	ConfigPath string
	// Kubeconfig is passed as --kubeconfig when set.
	Kubeconfig string
	// CertMode is CertModeFile (default: a test CA signs a 127.0.0.1 leaf
	// written to <Dir>/tls) or CertModeSelfManaged.
	CertMode string
	// ExtraArgs are appended to the serve flags.
	ExtraArgs []string
	// Detach lets the process outlive the caller (the demo).
	Detach bool
}

// Guardrail is a running istio-guardrail serve process on 127.0.0.1.
type Guardrail struct {
	Port, HealthPort, MetricsPort int
	// CA signed the serving certificate in file mode (nil in self-managed mode).
	CA      *testpki.CA
	CertDir string
	opts    GuardrailOptions
	proc    *Process
}

// StartGuardrail starts istio-guardrail serve on free loopback ports and waits
// until /readyz answers 200.
func StartGuardrail(ctx context.Context, o GuardrailOptions) (*Guardrail, error) {
	g, err := NewGuardrail(o)
	if err != nil {
		return nil, err
	}
	return g, g.Start(ctx)
}

// NewGuardrail picks the ports and, in file mode, writes the serving
// certificate, without starting the process: register webhook
// configurations pointing at URL() first when the server needs them at start.
func NewGuardrail(o GuardrailOptions) (*Guardrail, error) {
	if o.Name == "" {
		o.Name = "guardrail"
	}
	if o.CertMode == "" {
		o.CertMode = CertModeFile
	}
	g := &Guardrail{opts: o, CertDir: filepath.Join(o.Dir, o.Name+"-tls")}
	if o.CertMode == CertModeFile {
		if err := g.writeServingCert(); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	g.Port, g.HealthPort, g.MetricsPort = ports[0], ports[1], ports[2]
	return g, nil
}

// Start (re)starts the process on the same ports and waits until ready.
func (g *Guardrail) Start(ctx context.Context) error {
	var err error
	g.proc, err = StartProcess(ProcessSpec{
		Name: g.opts.Name, Path: g.opts.Binary, Args: g.args(), Detach: g.opts.Detach,
		LogPath: filepath.Join(g.opts.Dir, g.opts.Name+".log"), PIDFile: filepath.Join(g.opts.Dir, g.opts.Name+".pid"),
	})
	if err != nil {
		return err
	}
	if err := g.WaitReady(ctx, 60*time.Second); err != nil {
		_ = g.proc.Stop(5 * time.Second)
		return err
	}
	return nil
}

// Stop sends SIGTERM and waits for the process to exit.
func (g *Guardrail) Stop() error {
	if g.proc == nil {
		return nil
	}
	return g.proc.Stop(20 * time.Second)
}

// URL returns the base HTTPS URL of the webhook server.
func (g *Guardrail) URL() string { return "https://127.0.0.1:" + strconv.Itoa(g.Port) }

// Logs returns the tail of the server's log.
func (g *Guardrail) Logs() string { return TailFile(g.LogPath(), 40) }

// LogPath returns the server's log file.
func (g *Guardrail) LogPath() string { return filepath.Join(g.opts.Dir, g.opts.Name+".log") }

// PID returns the process id of the running server.
func (g *Guardrail) PID() int { return g.proc.PID() }

// WaitReady polls /readyz on the health port until it answers 200.
func (g *Guardrail) WaitReady(ctx context.Context, timeout time.Duration) error {
	url := "http://127.0.0.1:" + strconv.Itoa(g.HealthPort) + "/readyz"
	client := &http.Client{Timeout: 2 * time.Second}
	return Poll(ctx, timeout, 200*time.Millisecond, func(ctx context.Context) error {
		if exited, werr := g.proc.Exited(); exited {
			return Permanent(fmt.Errorf("istio-guardrail serve exited (%w):\n%s", werr, g.proc.Logs()))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return Permanent(fmt.Errorf("build readiness request: %w", err))
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("readiness probe: %w", err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readiness probe: status %d", resp.StatusCode)
		}
		return nil
	})
}

// args are the serve flags, per the contract shared with the chart.
func (g *Guardrail) args() []string {
	a := []string{"serve",
		"--bind-address=127.0.0.1", "--port=" + strconv.Itoa(g.Port),
		"--health-addr=127.0.0.1:" + strconv.Itoa(g.HealthPort),
		"--metrics-addr=127.0.0.1:" + strconv.Itoa(g.MetricsPort),
		"--namespace=" + g.opts.Namespace, "--cert-mode=" + g.opts.CertMode,
		"--shutdown-grace=2s", "--log-format=json",
	}
	if g.opts.CertMode == CertModeFile {
		a = append(a, "--cert-dir="+g.CertDir)
	}
	if g.opts.ConfigPath != "" {
		a = append(a, "--config="+g.opts.ConfigPath)
	}
	if g.opts.Kubeconfig != "" {
		a = append(a, "--kubeconfig="+g.opts.Kubeconfig)
	}
	return append(a, g.opts.ExtraArgs...)
}

// writeServingCert issues a 127.0.0.1 serving certificate from a new test CA
// into CertDir as tls.crt/tls.key (the layout of a cert-manager Secret mount).
func (g *Guardrail) writeServingCert() error {
	ca, err := testpki.NewCA("istio-guardrail-e2e-ca")
	if err != nil {
		return err
	}
	kp, err := ca.Issue(testpki.LeafOptions{CommonName: "istio-guardrail", IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames: []string{"localhost"}})
	if err != nil {
		return err
	}
	g.CA = ca
	return kp.Write(g.CertDir, "tls.crt", "tls.key")
}

func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for len(out) < n {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// Running reports whether the server process is running.
func (g *Guardrail) Running() bool {
	if g.proc == nil {
		return false
	}
	exited, _ := g.proc.Exited()
	return !exited
}
