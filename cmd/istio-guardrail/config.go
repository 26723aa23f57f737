package main

import (
	"fmt"
	"io"
)

// runConfig is not implemented yet.
func runConfig(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "istio-guardrail config: not implemented yet")
	return 2
}
