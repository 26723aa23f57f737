package audit

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// ProgressLine returns a Progress callback that keeps one line on w up to
// date ("audit: 12000 objects listed (Pod)"), at most ten times a second,
// and clears it when done; nil when w is not a terminal, so that redirected
// output and CI logs stay clean.
func ProgressLine(w io.Writer) func(Progress) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var last time.Time
	return func(p Progress) {
		if p.Done {
			fmt.Fprint(w, "\r\033[K")
			return
		}
		if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
			last = now
			fmt.Fprintf(w, "\r\033[Kaudit: %d objects listed (%s)", p.Objects, p.Kind)
		}
	}
}
