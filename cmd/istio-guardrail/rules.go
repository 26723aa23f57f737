package main

import (
	"fmt"
	"io"
)

// runRules is not implemented yet.
func runRules(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "istio-guardrail rules: not implemented yet")
	return 2
}
