package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// TextOptions tune the text format.
type TextOptions struct {
	// Color marks the action of each line with ANSI colours (for a terminal).
	Color bool
	// Quiet prints the findings only, without the summary line.
	Quiet bool
}

// ANSI colours of the actions.
var actionColor = map[policy.Action]string{
	policy.ActionDeny: "\x1b[1;31m", policy.ActionWarn: "\x1b[33m", policy.ActionAudit: "\x1b[36m",
}

// Text writes one line per finding, `file:line: ACTION IGR101 Kind ns/name
// field: message (fix: ...)` where ACTION is deny, warn or audit, then the
// summary line `N files, N objects (N skipped): N deny, N warn, N audit`
// (followed by `, N errors` when inputs could not be read or decoded).
func Text(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, e := range r.Findings() {
		action := string(e.Action)
		if c, ok := actionColor[e.Action]; ok && r.Text.Color {
			action = c + action + "\x1b[0m"
		}
		fmt.Fprintf(bw, "%s:%d: %s %s\n", e.File, e.Line, action, e.String())
	}
	if !r.Text.Quiet {
		s := r.Summary()
		fmt.Fprintf(bw, "%s, %s (%d skipped): %d deny, %d warn, %d audit",
			plural(s.Files, "file"), plural(s.Objects, "object"), s.Skipped, s.Deny, s.Warn, s.Audit)
		if s.Errors > 0 {
			fmt.Fprintf(bw, ", %s", plural(s.Errors, "error"))
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
