package main

import (
	"fmt"
	"io"
)

// runServe is not implemented yet.
func runServe(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "istio-guardrail serve: not implemented yet")
	return 2
}
