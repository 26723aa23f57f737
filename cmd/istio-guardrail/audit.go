package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/istio-guardrail/istio-guardrail/audit"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// auditOptions are the flags of audit.
type auditOptions struct {
	kubeconfig    string
	context       string
	namespace     string
	allNamespaces bool
	config        string
	output        string
	failOn        string
	pageSize      int64
}

func parseAuditFlags(args []string, stderr io.Writer) (*auditOptions, error) {
	o := &auditOptions{}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context (default: the current context)")
	for _, n := range []string{"namespace", "n"} {
		fs.StringVar(&o.namespace, n, "", "audit this namespace only (default: the context's namespace)")
	}
	for _, n := range []string{"all-namespaces", "A"} {
		fs.BoolVar(&o.allNamespaces, n, false, "audit every namespace and the cluster-wide posture")
	}
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.StringVar(&o.output, "o", "text", "output format: text, json, sarif or junit")
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
	fs.Int64Var(&o.pageSize, "page-size", 500, "objects per list request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: istio-guardrail audit [-A | -n NAMESPACE] [flags]\n\n"+
			"Judges the live cluster of the kubeconfig with every rule, including the cross-object rules (IGR8xx).\n"+
			"Exit codes as check: 0 clean, 1 findings at or above --fail-on, 2 errors.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.allNamespaces && o.namespace != "":
		return nil, errors.New("give either -A or --namespace, not both")
	case !contains(report.Formats(), o.output):
		return nil, fmt.Errorf("invalid -o %q (want text, json, sarif or junit)", o.output)
	case o.failOn != string(policy.ActionDeny) && o.failOn != string(policy.ActionWarn):
		return nil, fmt.Errorf("invalid --fail-on %q (want deny or warn)", o.failOn)
	case o.pageSize <= 0:
		return nil, errors.New("--page-size must be positive")
	}
	return o, nil
}

// runAudit judges a live cluster: exit 0 clean, 1 findings at or above
// --fail-on, 2 for usage, configuration or API errors.
func runAudit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	opts, err := parseAuditFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitError
	case err != nil:
		return auditFailed(stderr, err)
	}
	eng, err := newEngine(opts.config)
	if err != nil {
		return auditFailed(stderr, err)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = opts.kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.context})
	cfg, err := kc.ClientConfig()
	if err != nil {
		return auditFailed(stderr, fmt.Errorf("kubeconfig: %w", err))
	}
	ns := ""
	if !opts.allNamespaces {
		if ns = opts.namespace; ns == "" {
			if ns, _, err = kc.Namespace(); err != nil {
				return auditFailed(stderr, fmt.Errorf("kubeconfig: %w", err))
			}
		}
	}
	source := opts.context
	if raw, err := kc.RawConfig(); err == nil && source == "" {
		source = raw.CurrentContext
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := audit.Run(ctx, cfg, audit.Options{Engine: eng, Decode: manifest.FromJSON, Namespace: ns,
		RootNamespace: eng.RootNamespace(), PageSize: opts.pageSize, Source: source, Progress: audit.ProgressLine(stderr)})
	if err != nil {
		return auditFailed(stderr, err)
	}
	for _, gk := range res.Unserved {
		fmt.Fprintf(stderr, "istio-guardrail audit: %s is not served by the cluster, not audited\n", gk)
	}
	res.Report.FailOn, res.Report.Version = policy.Action(opts.failOn), version
	if err := report.Write(stdout, opts.output, res.Report); err != nil {
		return auditFailed(stderr, err)
	}
	return exitCode(res.Report, 0)
}

func auditFailed(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "istio-guardrail audit: %v\n", err)
	return exitError
}
