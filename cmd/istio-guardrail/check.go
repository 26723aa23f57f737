package main

import (
	"fmt"
	"io"
)

// runCheck is not implemented yet.
func runCheck(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "istio-guardrail check: not implemented yet")
	return 2
}
