package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/istio-guardrail/istio-guardrail/config"
)

// newConfigCmd groups `config default` (print the built-in defaults as a
// commented GuardrailConfig) and `config validate FILE...`.
func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the default GuardrailConfig (config default) or validate files (config validate)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return &codeError{code: exitError, showUsage: true}
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "default",
		Short: "Print the built-in defaults as a commented GuardrailConfig",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.DefaultYAML())
			return err
		},
	}, &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate GuardrailConfig files: exit 0 valid, 1 invalid, 2 unreadable",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &codeError{code: exitError, err: errors.New("give at least one FILE"), showUsage: true}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return validateConfigs(cmd, args) },
	})
	return cmd
}

// validateConfigs validates every file: exit 1 if one is invalid, 2 if one
// cannot be read (an input error, as everywhere).
func validateConfigs(cmd *cobra.Command, files []string) error {
	code := exitOK
	for _, f := range files {
		if _, err := config.Load(f); err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), err)
			if errors.As(err, new(*fs.PathError)) {
				code = exitError
			} else {
				code = max(code, exitFindings)
			}
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", f)
	}
	if code != exitOK {
		return exitWith(code, nil)
	}
	return nil
}
