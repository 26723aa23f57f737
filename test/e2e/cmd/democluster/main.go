// Command democluster starts and stops the `make demo` environment: etcd,
// kube-apiserver, kube-controller-manager, istio-guardrail serve and (when
// bin/pilot-discovery is built) istiod revision 1-20-0 tagged default, as
// background processes under a state folder (default .demo/), with the Istio
// and cert-manager CRDs and the webhook configurations installed, and a
// namespace `demo` with sidecar injection enabled. It reuses the end-to-end
// suite's framework.
//
//	democluster up   [--dir .demo]   start (or report that it is already up)
//	democluster down [--dir .demo]   stop every process and remove the folder
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// demoRevision is the istiod revision the demo runs, tagged "default" so that
// istio-injection=enabled namespaces are injected by it.
const demoRevision = "1-20-0"

// pidFiles are the demo's processes, stopped in this order; running checks
// the first n of them (istiod is optional).
var pidFiles = []string{"istiod-" + demoRevision + ".pid", "guardrail.pid", "kube-controller-manager.pid", "kube-apiserver.pid", "etcd.pid"}

// requiredProcesses are the pid files that must be alive for the demo to be up.
var requiredProcesses = pidFiles[1:]

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: democluster up|down [--dir DIR]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dir := fs.String("dir", ".demo", "state folder (processes, logs, kubeconfig)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", *dir, err)
	}
	switch args[0] {
	case "up":
		return up(abs, out)
	case "down":
		return down(abs, out)
	default:
		return fmt.Errorf("unknown command %q (want up or down)", args[0])
	}
}

// up starts the demo unless it is already running.
func up(dir string, out io.Writer) error {
	if running(dir) {
		fmt.Fprintf(out, "The demo is already up (state in %s).\n", dir)
		printUsage(out, dir)
		return nil
	}
	if err := down(dir, io.Discard); err != nil { // leftovers of a crashed run
		return err
	}
	bins, err := framework.FindBinaries()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	// The webhook configurations are named apart from the chart's (istio-guardrail), so that
	// `helm install istio-guardrail charts/istio-guardrail` still works next to the demo.
	env, err := framework.StartEnv(ctx, framework.EnvOptions{Dir: dir, Binaries: bins, Detach: true, ControllerManager: true,
		WebhookName: "istio-guardrail-demo",
		Config:      framework.MinimalConfig + "mutation:\n  namespaces: true\n",
		Logf:        func(f string, a ...any) { fmt.Fprintf(out, "==> "+f+"\n", a...) }})
	if err != nil {
		_ = down(dir, io.Discard)
		return fmt.Errorf("start the demo (logs were in %s): %w", dir, err)
	}
	withIstiod := bins.RequireIstiod() == nil
	if withIstiod {
		if err := startIstiod(ctx, env, out); err != nil {
			_ = down(dir, io.Discard)
			return err
		}
	} else {
		fmt.Fprintf(out, "==> no istiod: %s is not built (make tools builds it); pods are mutated but not injected\n", bins.Istiod)
	}
	fmt.Fprintln(out, "==> creating namespace demo (istio-injection=enabled)")
	if err := env.Cluster.CreateNamespace(ctx, "demo", map[string]string{"istio-injection": "enabled"}); err != nil {
		return err
	}
	printUsage(out, dir)
	return nil
}

// startIstiod starts istiod revision demoRevision from the pinned Istio
// chart, tagged default.
func startIstiod(ctx context.Context, env *framework.Env, out io.Writer) error {
	fmt.Fprintf(out, "==> starting istiod %s (tag default) from Istio's own chart\n", demoRevision)
	chart, err := framework.IstiodChart(ctx)
	if err != nil {
		return err
	}
	_, err = env.StartIstiod(ctx, framework.IstiodOptions{Revision: demoRevision, RevisionTags: []string{"default"}, Chart: chart})
	return err
}

// running reports whether every demo process is alive.
func running(dir string) bool {
	for _, f := range requiredProcesses {
		pid, err := readPID(filepath.Join(dir, f))
		if err != nil || !framework.ProcessAlive(pid) {
			return false
		}
	}
	return true
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// down stops the processes and removes the state folder.
func down(dir string, out io.Writer) error {
	var errs []error
	for _, f := range pidFiles {
		errs = append(errs, framework.KillPIDFile(filepath.Join(dir, f), 10*time.Second))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	fmt.Fprintf(out, "Demo stopped; %s removed.\n", dir)
	return nil
}

func printUsage(out io.Writer, dir string) {
	root := filepath.Dir(dir)
	fmt.Fprintf(out, `
istio-guardrail is enforcing on a local kube-apiserver (logs: %[1]s/*.log).

  export KUBECONFIG=%[1]s/kubeconfig
  export PATH=%[2]s/bin:$PATH

Try:
  # 1. rejected: a PERMISSIVE PeerAuthentication (IGR101)
  kubectl apply -n demo -f %[2]s/test/e2e/testdata/rejected/peerauthentication.yaml

  # 2. warned: a VirtualService route without a timeout (IGR705)
  kubectl apply -n demo -f %[2]s/test/e2e/testdata/warned/virtualservice.yaml

  # 3. injected and mutated: the Deployment's ReplicaSet creates a pod that
  #    istiod's injector gives a native istio-proxy sidecar (an init
  #    container, so it starts first) with the resources the guardrail's
  #    annotations ask for, and the guardrail gives nginx a drain preStop
  kubectl create deployment web -n demo --image=nginx
  kubectl get pods -n demo -l app=web -o jsonpath='{range .items[*].spec.containers[*]}{.name}: {.resources} {.lifecycle}{"\n"}{end}'
  kubectl get pods -n demo -l app=web -o jsonpath='{range .items[*].spec.initContainers[*]}{.name}: {.resources}{"\n"}{end}'
  kubectl get pods -n demo -l app=web -o jsonpath='{.items[0].metadata.annotations}{"\n"}'

Pods are stored but never scheduled (there is no kubelet). Stop with: make demo-down
`, dir, root)
}
