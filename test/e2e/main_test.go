package e2e

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// env is the control plane with the guardrail enforcing, shared by every test
// of the package (including the chart test). Tests create their own
// namespaces and never tear env down; a test that stops the guardrail
// restores it in its cleanup.
var env *framework.Env

// setupTimeout bounds the start of the whole environment.
const setupTimeout = 3 * time.Minute

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

// runSuite starts the environment, runs the tests and always tears down.
func runSuite(m *testing.M) int {
	bins, err := framework.FindBinaries()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "istio-guardrail-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	env, err = framework.StartEnv(ctx, framework.EnvOptions{Dir: dir, Binaries: bins, Config: baseConfig,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, "e2e: "+f+"\n", a...) }})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start the environment: %v\n", err)
		return 1
	}
	stopOnSignal(dir)
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: guardrail log (tail):\n%s\n", env.Guardrail.Logs())
	}
	if err := stopPostureClusters(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stop the posture clusters: %v\n", err)
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stop the environment: %v\n", err)
	}
	return code
}

// stopOnSignal tears the environment down when the run is interrupted
// (Ctrl-C, SIGTERM), so no process or state outlives it. Every process the
// framework starts (etcd and kube-apiserver through setpriv) also carries a
// parent-death signal, so a test binary that panics (go test's -timeout)
// takes them with it.
func stopOnSignal(dir string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping the environment\n", s)
		_ = stopPostureClusters()
		_ = env.Stop()
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}()
}

// baseConfig is the suite's GuardrailConfig: built-in defaults, plus the
// opt-in Namespace mutation that the webhook configurations route.
const baseConfig = framework.MinimalConfig + "mutation:\n  namespaces: true\n"
