package check

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// binary is the istio-guardrail binary under test.
var binary string

// TestMain builds the binary once, unless IGR_BINARY names one already built.
func TestMain(m *testing.M) { clibin.Main(m, &binary) }

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs the binary in dir with args.
func runBinary(ctx context.Context, t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
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
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
