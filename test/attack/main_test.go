package attack

import (
	"os"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// binary is the istio-guardrail CLI built from this source (clibin).
var binary string

// TestMain runs the tests, or, when started by attackerProcess, only the
// hostile clients (so that they are a process of their own, like a tenant's
// pod, and not goroutines scheduled with the reviews they attack).
func TestMain(m *testing.M) {
	if os.Getenv(attackerEnv) != "" {
		os.Exit(runAttackerProcess())
	}
	clibin.Main(m, &binary)
}
