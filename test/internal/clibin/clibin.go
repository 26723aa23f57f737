// Package clibin gives the test packages that run the istio-guardrail CLI as
// a process one binary built from the current source, so golden and corpus
// tests never run a stale bin/istio-guardrail.
package clibin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Main builds the CLI into a temporary directory (or uses $IGR_BINARY when
// set), stores its path in *binary, runs the tests and exits. Call it from
// TestMain.
func Main(m *testing.M, binary *string) {
	os.Exit(run(m, binary))
}

func run(m *testing.M, binary *string) int {
	if b := os.Getenv("IGR_BINARY"); b != "" {
		*binary = b
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "igr-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*binary = filepath.Join(dir, "istio-guardrail")
	build := exec.Command("go", "build", "-o", *binary, "./cmd/istio-guardrail")
	build.Dir = repoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build istio-guardrail:", err)
		return 1
	}
	return m.Run()
}

// repoRoot is the module root, three levels above this file.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}
