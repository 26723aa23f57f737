// Command peers measures `istio-guardrail check` side by side with the
// tools a user would pick instead, on the same generated corpora in the
// same run: `istioctl analyze --use-kube=false -A` and, where a binary is
// given, `kyverno apply` with ClusterPolicies equivalent to Kyverno's Istio
// policies (kyverno.go). For every corpus size it runs the tools pair by
// pair, the order rotating each round, and prints a Markdown table of CPU
// seconds (user+sys from the child's rusage), wall time, peak RSS, objects
// per CPU-second, the CPU ratio to check within each round and the number
// of findings each tool produced. Every run is bounded by -timeout and the
// whole by -budget; a run that hits its timeout is reported as such and
// that tool is not run again on the same or a larger corpus.
//
// hack/bench-peers.sh (make bench-peers) builds the binaries and runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type options struct {
	guardrail, istioctl, kyverno, kyvernoMissing string
	sizes, rounds                                []int
	corpora                                      []string
	timeout, budget                              time.Duration
	keep                                         bool
	generate                                     string // write the corpora into this directory and exit
	before                                       string // an earlier istio-guardrail, measured as one more peer
	procs                                        []int  // GOMAXPROCS values check runs with (none: unset)
	split                                        int    // objects per file of a corpus (0: one file)
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(2)
	}
	run := runAll
	if o.generate != "" {
		run = generateAll
	}
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.StringVar(&o.guardrail, "guardrail", "bin/istio-guardrail", "istio-guardrail binary")
	fs.StringVar(&o.istioctl, "istioctl", "bin/istioctl", "istioctl binary")
	fs.StringVar(&o.kyverno, "kyverno", "", "kyverno CLI binary (empty: Kyverno is not measured, and -kyverno-missing says why)")
	fs.StringVar(&o.kyvernoMissing, "kyverno-missing", "no kyverno binary was given", "why Kyverno is not measured, for the report")
	sizes := fs.String("sizes", "1000,10000,100000", "corpus sizes in objects")
	rounds := fs.String("rounds", "3,3,1", "rounds per size (one value, or one per size)")
	names := fs.String("corpora", "four-kind,mixed", "corpora: four-kind, mixed")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "per-run timeout")
	fs.DurationVar(&o.budget, "budget", 60*time.Minute, "no run starts after this much total time")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated corpora")
	fs.StringVar(&o.before, "before", "", "an earlier istio-guardrail binary, run as one more peer (check before vs after)")
	procs := fs.String("procs", "", "GOMAXPROCS values to run check (and -before) with, one tool each, e.g. 1,2 (empty: unset)")
	fs.IntVar(&o.split, "split", 0, "write each corpus as a directory of files of at most this many objects (0: one file)")
	fs.StringVar(&o.generate, "generate", "", "only write the corpora (CORPUS-N.yaml for every corpus and size) into this directory")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.sizes, err = parseInts(*sizes); err != nil {
		return o, fmt.Errorf("-sizes: %w", err)
	}
	if o.rounds, err = parseInts(*rounds); err != nil {
		return o, fmt.Errorf("-rounds: %w", err)
	}
	switch len(o.rounds) {
	case len(o.sizes):
	case 1:
		for len(o.rounds) < len(o.sizes) {
			o.rounds = append(o.rounds, o.rounds[0])
		}
	default:
		return o, fmt.Errorf("-rounds has %d values for %d sizes", len(o.rounds), len(o.sizes))
	}
	if *procs != "" {
		if o.procs, err = parseInts(*procs); err != nil {
			return o, fmt.Errorf("-procs: %w", err)
		}
	}
	for _, n := range strings.Split(*names, ",") {
		n = strings.TrimSpace(n)
		if _, ok := corpora[n]; !ok {
			return o, fmt.Errorf("-corpora: unknown corpus %q", n)
		}
		o.corpora = append(o.corpora, n)
	}
	return o, nil
}

// parseInts parses a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// tools returns the peers to run; check first, as the reference: once per
// -procs value, then the -before binary likewise, then istioctl (unless
// -istioctl is empty) and Kyverno.
func tools(o options, dir string) ([]tool, error) {
	var ts []tool
	procs := o.procs
	if len(procs) == 0 {
		procs = []int{0}
	}
	for _, b := range []struct{ label, bin string }{{"istio-guardrail check", o.guardrail}, {"istio-guardrail check, before", o.before}} {
		if b.bin == "" {
			continue
		}
		for _, p := range procs {
			t := tool{
				name: b.label, bin: b.bin,
				args:   func(c string) []string { return []string{"check", "-o", "json", "-f", c} },
				okExit: map[int]bool{0: true, 1: true}, parse: parseCheckJSON,
				what: "`check -o json`: entries of `findings` (one per rule violation, every action), by action",
			}
			if p > 0 {
				t.name += fmt.Sprintf(" (GOMAXPROCS=%d)", p)
				t.env = []string{fmt.Sprintf("GOMAXPROCS=%d", p)}
			}
			ts = append(ts, t)
		}
	}
	if o.istioctl != "" {
		ts = append(ts, tool{
			name: "istioctl analyze", bin: o.istioctl,
			args:   func(c string) []string { return []string{"analyze", "--use-kube=false", "-A", "-o", "json", c} },
			okExit: map[int]bool{0: true}, parse: parseIstioctlJSON,
			what: "`istioctl analyze --use-kube=false -A -o json`: messages of its JSON array (every level, Info included), by level",
		})
	}
	if o.kyverno != "" {
		policies := filepath.Join(dir, "kyverno-policies.yaml")
		if err := os.WriteFile(policies, []byte(kyvernoPolicies), 0o600); err != nil {
			return nil, err
		}
		ts = append(ts, tool{
			name: "kyverno apply", bin: o.kyverno,
			args:   func(c string) []string { return []string{"apply", policies, "--resource", c} },
			okExit: map[int]bool{0: true, 1: true}, parse: parseKyvernoSummary,
			what: "`kyverno apply POLICIES --resource CORPUS`: fail+warn+error of its closing `pass: …, fail: …` line (rule results, not objects)",
		})
	}
	return ts, nil
}

// cell is every run of one tool at one corpus size.
type cell struct {
	runs    []run
	skipped string // why the tool was not run (or stopped being run)
}

// generateAll writes every corpus at every size into o.generate.
func generateAll(w io.Writer, o options) error {
	for _, name := range o.corpora {
		for _, n := range o.sizes {
			path := filepath.Join(o.generate, fmt.Sprintf("%s-%d.yaml", name, n))
			size, err := writeCorpusFile(corpora[name], n, path)
			if err != nil {
				return err
			}
			if o.split > 0 {
				if path, err = splitCorpus(path, o.split); err != nil {
					return err
				}
			}
			fmt.Fprintf(w, "%s\t%d objects\t%d bytes\n", path, n, size)
		}
	}
	return nil
}

func runAll(w io.Writer, o options) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "bench-peers-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "peers: corpora kept in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	ts, err := tools(o, dir)
	if err != nil {
		return err
	}
	writeHeader(w, o, ts)
	for _, name := range o.corpora {
		c := corpora[name]
		stopped := map[string]string{} // tool -> why it is not run on larger corpora
		var rows []sizeRows
		for si, n := range o.sizes {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", name, n))
			size, err := writeCorpusFile(c, n, path)
			if err != nil {
				return err
			}
			if o.split > 0 {
				if path, err = splitCorpus(path, o.split); err != nil {
					return err
				}
			}
			sr := sizeRows{objects: n, bytes: size, cells: make([]cell, len(ts))}
			for r := range o.rounds[si] {
				for k := range ts {
					i := (k + r) % len(ts) // rotate the order each round
					t := ts[i]
					if why := stopped[t.name]; why != "" {
						sr.cells[i].skipped = why
						continue
					}
					if el := time.Since(start); el > o.budget {
						sr.cells[i].skipped = fmt.Sprintf("not run: the %s budget was spent", o.budget)
						continue
					}
					fmt.Fprintf(os.Stderr, "peers: %s %d objects, round %d: %s ...", name, n, r+1, t.name)
					res := measure(t, path, dir, o.timeout)
					fmt.Fprintf(os.Stderr, " cpu %.2fs wall %.2fs rss %s %s\n", res.cpu.Seconds(), res.wall.Seconds(), mib(res.maxRSS), status(res))
					sr.cells[i].runs = append(sr.cells[i].runs, res)
					switch {
					case res.timedOut:
						stopped[t.name] = fmt.Sprintf("not run: timed out after %s at %d objects", o.timeout, n)
					case res.err != nil:
						stopped[t.name] = fmt.Sprintf("not run: failed at %d objects", n)
					}
				}
			}
			if !o.keep {
				os.RemoveAll(path)
			}
			rows = append(rows, sr)
		}
		writeTable(w, c, ts, rows)
	}
	writeFooter(w, ts, time.Since(start))
	return nil
}

func status(r run) string {
	switch {
	case r.timedOut:
		return "TIMED OUT"
	case r.err != nil:
		return "FAILED: " + r.err.Error()
	default:
		return "findings " + r.found.String()
	}
}

// writeHeader prints the machine and the tools.
func writeHeader(w io.Writer, o options, ts []tool) {
	fmt.Fprintf(w, "Machine: %s/%s, %d logical CPUs, shared with other jobs; load average at start: %s.\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadavg())
	fmt.Fprintf(w, "Per-run timeout %s; runs pair by pair, the order rotating each round; CPU = user+sys of the child (rusage).\n\n", o.timeout)
	if o.kyverno == "" {
		fmt.Fprintf(w, "Kyverno is not measured: %s.\n\n", o.kyvernoMissing)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func writeFooter(w io.Writer, ts []tool, total time.Duration) {
	fmt.Fprintln(w, "What the findings column counts:")
	fmt.Fprintln(w)
	for _, t := range ts {
		fmt.Fprintf(w, "- %s: %s\n", t.name, t.what)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Load average at the end: %s. Total runtime: %s.\n", loadavg(), total.Round(time.Second))
}
