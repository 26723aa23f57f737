package main

import (
	"fmt"
	"io"
)

// runMutate is not implemented yet.
func runMutate(_ []string, _ io.Reader, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "istio-guardrail mutate: not implemented yet")
	return 2
}
