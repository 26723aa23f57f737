package main

import (
	"fmt"
	"io"

	"github.com/istio-guardrail/istio-guardrail/config"
)

// runConfig implements `config default` (print the built-in defaults as a
// commented GuardrailConfig) and `config validate FILE...`.
func runConfig(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	const usage = "usage: istio-guardrail config default | config validate FILE..."
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "default":
		if len(args) != 1 {
			fmt.Fprintln(stderr, usage)
			return 2
		}
		_, _ = stdout.Write(config.DefaultYAML())
		return 0
	case "validate":
		if len(args) < 2 {
			fmt.Fprintln(stderr, usage)
			return 2
		}
		code := 0
		for _, f := range args[1:] {
			if _, err := config.Load(f); err != nil {
				fmt.Fprintln(stderr, err)
				code = 1
				continue
			}
			fmt.Fprintf(stdout, "%s: valid\n", f)
		}
		return code
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "istio-guardrail config: unknown subcommand %q\n%s\n", args[0], usage)
		return 2
	}
}
