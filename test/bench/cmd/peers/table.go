package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// sizeRows is every tool's runs over one corpus size.
type sizeRows struct {
	objects int
	bytes   int64
	cells   []cell // indexed like the tools; cells[0] is check
}

// completed returns the runs that ran to the end.
func (c cell) completed() []run {
	var out []run
	for _, r := range c.runs {
		if !r.timedOut && r.err == nil {
			out = append(out, r)
		}
	}
	return out
}

// median returns the median of ds (the upper one of an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// pairRatios returns peer CPU / check CPU for every round in which both
// completed. Rounds are matched by position: both cells hold one run per
// round until a tool stops, and a tool that stops is not run again.
func pairRatios(check, peer cell) []float64 {
	var out []float64
	for i := 0; i < len(check.runs) && i < len(peer.runs); i++ {
		a, b := check.runs[i], peer.runs[i]
		if a.timedOut || a.err != nil || b.timedOut || b.err != nil || a.cpu == 0 {
			continue
		}
		out = append(out, b.cpu.Seconds()/a.cpu.Seconds())
	}
	return out
}

// writeTable prints one corpus's table.
func writeTable(w io.Writer, c corpus, ts []tool, rows []sizeRows) {
	fmt.Fprintf(w, "### Corpus %q: %s\n\n", c.name, c.about)
	fmt.Fprintln(w, "| objects (MiB) | tool | runs | CPU-s, median | wall, median | peak RSS, max | objects / CPU-s | CPU ÷ check's, per round | findings |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---|---|")
	for _, sr := range rows {
		size := fmt.Sprintf("%d (%.1f)", sr.objects, float64(sr.bytes)/(1<<20))
		for i, t := range ts {
			fmt.Fprintf(w, "| %s | %s | %s\n", size, t.name, cellColumns(sr, i))
		}
	}
	fmt.Fprintln(w)
}

// cellColumns renders the columns after "tool" for tool i at one size.
func cellColumns(sr sizeRows, i int) string {
	c := sr.cells[i]
	done := c.completed()
	if len(done) == 0 {
		for _, r := range c.runs {
			if r.timedOut {
				return fmt.Sprintf("0 of %d | **timed out after %s** (CPU %.1f s so far) | — | %s so far | — | — | — |",
					len(c.runs), r.wall.Round(time.Second), r.cpu.Seconds(), mib(r.maxRSS))
			}
			if r.err != nil {
				return fmt.Sprintf("0 of %d | failed: %s | | | | | |", len(c.runs), oneLine(r.err.Error()))
			}
		}
		why := c.skipped
		if why == "" {
			why = "not run"
		}
		return fmt.Sprintf("0 | %s | | | | | |", why)
	}
	var cpus, walls []time.Duration
	var rss int64
	for _, r := range done {
		cpus = append(cpus, r.cpu)
		walls = append(walls, r.wall)
		rss = max(rss, r.maxRSS)
	}
	cpu := median(cpus)
	runs := fmt.Sprintf("%d", len(done))
	if len(done) < len(c.runs) {
		runs = fmt.Sprintf("%d of %d", len(done), len(c.runs))
	}
	ratio := "1 (reference)"
	if i > 0 {
		ratio = ratioText(pairRatios(sr.cells[0], c))
	}
	found := done[0].found.String()
	for _, r := range done[1:] {
		if r.found.total != done[0].found.total {
			found += " (differs between runs)"
			break
		}
	}
	return fmt.Sprintf("%s | %.2f | %.2f s | %s | %.0f | %s | %s |",
		runs, cpu.Seconds(), median(walls).Seconds(), mib(rss), float64(sr.objects)/cpu.Seconds(), ratio, found)
}

// ratioText renders the median ratio and the range over the rounds.
func ratioText(rs []float64) string {
	if len(rs) == 0 {
		return "—"
	}
	s := slices.Clone(rs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s) == 1 {
		return fmt.Sprintf("**%.1f×**", med)
	}
	return fmt.Sprintf("**%.1f×** (%.1f–%.1f over %d)", med, s[0], s[len(s)-1], len(s))
}

func oneLine(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	out := []rune{}
	for _, r := range s {
		if r == '\n' || r == '|' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// mib renders bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
