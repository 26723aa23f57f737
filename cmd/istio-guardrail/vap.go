package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/istio-guardrail/istio-guardrail/admissionpolicy"
	"github.com/istio-guardrail/istio-guardrail/config"
)

// newVAPCmd writes the ValidatingAdmissionPolicies, bindings and params
// ConfigMap of the rules with a CEL form under a GuardrailConfig; the rules
// without one are listed on stderr with the reason.
func newVAPCmd() *cobra.Command {
	var configPath, name, namespace, exclude string
	cmd := &cobra.Command{
		Use:   "vap [flags]",
		Short: "Write ValidatingAdmissionPolicies for the rules CEL can express exactly",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Errorf("unexpected argument %q", args[0]))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := config.Default()
			if configPath != "" {
				var err error
				if cfg, err = config.Load(configPath); err != nil {
					return usageError(err)
				}
			}
			var excluded []string
			for _, ns := range strings.Split(exclude, ",") {
				if ns = strings.TrimSpace(ns); ns != "" {
					excluded = append(excluded, ns)
				}
			}
			out, err := admissionpolicy.Generate(cfg.Settings, admissionpolicy.Options{Name: name, Namespace: namespace, ExcludeNamespaces: excluded})
			if err != nil {
				return usageError(err)
			}
			for _, s := range out.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: not generated: %s\n", s.Rule, s.Reason)
			}
			if err := out.WriteYAML(cmd.OutOrStdout()); err != nil {
				return exitWith(exitError, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "GuardrailConfig file (default: the built-in defaults)")
	cmd.Flags().StringVar(&name, "name", "istio-guardrail", "prefix of the object names")
	cmd.Flags().StringVar(&namespace, "namespace", "istio-guardrail", "namespace of the params ConfigMap (the guardrail's own)")
	cmd.Flags().StringVar(&exclude, "exclude-namespaces", "kube-system,kube-node-lease,istio-guardrail",
		"comma-separated namespaces never matched, as the webhook excludes them")
	return cmd
}
