// Package clibin gives the test packages that run the istio-guardrail CLI as
// a process one binary built from the current source, so golden and corpus
// tests never run a stale bin/istio-guardrail.
package clibin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
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
	if build.Dir, err = repo.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build istio-guardrail:", err)
		return 1
	}
	return m.Run()
}

// Result is one run of the binary.
type Result struct {
	Code           int
	Stdout, Stderr []byte
}

// Run runs binary with args in dir (the working directory if empty), stdin
// as its standard input, and returns its exit code and output. A binary that
// cannot be started fails the test.
func Run(t testing.TB, binary, dir, stdin string, args ...string) Result {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return Result{Code: code, Stdout: out.Bytes(), Stderr: errb.Bytes()}
}
