package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

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

// newAuditCmd judges a live cluster: exit 0 clean, 1 findings at or above
// --fail-on, 2 for usage, configuration or API errors.
func newAuditCmd() *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit [-A | -n NAMESPACE] [flags]",
		Short: "Judge a live cluster, cross-object rules included (exit codes as check)",
		Long: "audit judges the live cluster of the kubeconfig with every rule, including the cross-object\n" +
			"rules (IGR8xx). Exit codes as check: 0 clean, 1 findings at or above --fail-on, 2 errors.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Errorf("unexpected argument %q", args[0]))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return usageError(err)
			}
			return runAudit(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context (default: the current context)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "audit this namespace only (default: the context's namespace)")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "audit every namespace and the cluster-wide posture")
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
	fs.Int64Var(&o.pageSize, "page-size", 500, "objects per list request")
	return cmd
}

func (o *auditOptions) validate() error {
	switch {
	case o.allNamespaces && o.namespace != "":
		return errors.New("give either -A or --namespace, not both")
	case !slices.Contains(report.Formats(), o.output):
		return fmt.Errorf("invalid --output %q (want one of %s)", o.output, strings.Join(report.Formats(), ", "))
	case o.failOn != string(policy.ActionDeny) && o.failOn != string(policy.ActionWarn):
		return fmt.Errorf("invalid --fail-on %q (want deny or warn)", o.failOn)
	case o.pageSize <= 0:
		return errors.New("--page-size must be positive")
	}
	return nil
}

// runAudit lists and judges the cluster and writes the report.
func runAudit(stdout, stderr io.Writer, opts *auditOptions) error {
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	eng, err := newEngine(opts.config)
	if err != nil {
		return usageError(err)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = opts.kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.context})
	cfg, err := kc.ClientConfig()
	if err != nil {
		return usageError(fmt.Errorf("kubeconfig: %w", err))
	}
	ns := ""
	if !opts.allNamespaces {
		if ns = opts.namespace; ns == "" {
			if ns, _, err = kc.Namespace(); err != nil {
				return usageError(fmt.Errorf("kubeconfig: %w", err))
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
		return usageError(err)
	}
	for _, gk := range res.Unserved {
		fmt.Fprintf(stderr, "istio-guardrail audit: %s is not served by the cluster, not audited\n", gk)
	}
	res.Report.FailOn, res.Report.Version = policy.Action(opts.failOn), version
	if err := report.Write(stdout, opts.output, res.Report); err != nil {
		return usageError(err)
	}
	if code := res.Report.ExitCode(); code != exitOK {
		return exitWith(code, nil)
	}
	return nil
}
