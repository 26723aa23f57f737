package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// runRules lists the rule catalogue and the mutators (-o text|markdown|json);
// docs/rules.md is its Markdown output.
func runRules(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "text", "output format: text, markdown or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "istio-guardrail rules: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	if err := report.WriteCatalogue(stdout, *output, policy.Catalogue(), policy.Mutators()); err != nil {
		fmt.Fprintf(stderr, "istio-guardrail rules: %v\n", err)
		return exitError
	}
	return exitOK
}
