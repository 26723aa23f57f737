package main

import (
	"github.com/spf13/cobra"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// newRulesCmd lists the rule catalogue and the mutators (-o text|markdown|json);
// docs/rules.md is its Markdown output.
func newRulesCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "rules [flags]",
		Short: "List the rule catalogue and the mutators",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := report.WriteCatalogue(cmd.OutOrStdout(), output, policy.Catalogue(), policy.Mutators()); err != nil {
				return usageError(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text, markdown or json")
	return cmd
}
