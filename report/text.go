package report

import (
	"bufio"
	"fmt"
	"io"
)

// Text writes one line per finding, `file:line: IGR101 Kind ns/name field:
// message (fix: ...)`, then a summary line.
func Text(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, e := range r.Findings() {
		fmt.Fprintf(bw, "%s:%d: %s\n", e.File, e.Line, e.String())
	}
	s := r.Summary()
	fmt.Fprintf(bw, "%s, %s (%d skipped): %d deny, %d warn, %d audit\n",
		plural(s.Files, "file"), plural(s.Objects, "object"), s.Skipped, s.Deny, s.Warn, s.Audit)
	return bw.Flush()
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
