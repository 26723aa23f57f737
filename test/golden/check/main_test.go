package check

import (
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
func runBinary(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := clibin.Run(t, binary, dir, "", args...)
	return result{code: r.Code, stdout: string(r.Stdout), stderr: string(r.Stderr)}
}
