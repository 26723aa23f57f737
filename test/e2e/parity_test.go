package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// checkFindings runs `istio-guardrail check -o json` with the server's config
// file on a testdata file (and extra flags, e.g. --namespace-label) and
// returns the rule IDs it reports by action.
func checkFindings(t *testing.T, file, ns string, extra ...string) map[string][]string {
	t.Helper()
	return checkFindingsOf(t, []byte(testdata(t, file)), ns, extra...)
}

// warningRules returns the rule IDs named on kubectl's "Warning:" lines.
func warningRules(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "Warning:") {
			lines = append(lines, l)
		}
	}
	return ruleIDs(strings.Join(lines, "\n"))
}

// deniedRules returns the rule IDs in a webhook denial message.
func deniedRules(r framework.Result) []string {
	if r.Err == nil {
		return nil
	}
	_, msg, ok := strings.Cut(r.Stderr, "denied the request")
	if !ok {
		return nil
	}
	return ruleIDs(msg)
}

// TestCheckAndAdmissionAgree: the CLI in CI and the webhook at admission share
// the engine, so for every manifest they must name the same denying and
// warning rules.
func TestCheckAndAdmissionAgree(t *testing.T) {
	ns := meshNamespace(t)
	all := map[string]kindCase{}
	for _, cases := range []map[string]kindCase{rejectedCases, hardenedCases, warnedCases} {
		for d, c := range cases {
			all[d] = c
		}
	}
	for desc, tc := range all {
		t.Run(desc, func(t *testing.T) {
			want := checkFindings(t, tc.file, ns)
			r := kubectl(t, testdata(t, tc.file), "apply", "--dry-run=server", "-n", ns, "-f", "-")
			denied := deniedRules(r)
			if !slices.Equal(denied, want["deny"]) {
				t.Errorf("check denies %v, admission denied %v:\n%s", want["deny"], denied, r)
			}
			if r.Err == nil && !slices.Equal(warningRules(r.Stderr), want["warn"]) {
				t.Errorf("check warns %v, admission warned %v:\n%s", want["warn"], warningRules(r.Stderr), r)
			}
		})
	}
}
