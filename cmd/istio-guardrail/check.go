package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// checkOptions are the flags of check.
type checkOptions struct {
	inputOptions
	config        string
	outputs       stringList
	failOn        string
	repoRoot      string
	stdinFilename string
	quiet         bool
	namespace     string
	valuesFor     string
	nsLabels      stringList
	// namespaces are the labels given with --namespace-label.
	namespaces namespaceFlags
	// sinks are the parsed --output values.
	sinks []outputSink
}

// outputSink is one --output: a format written to stdout or to a file.
type outputSink struct {
	format, path string // path "" is stdout
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [PATH...] [-f PATH...] [flags]",
		Short: "Validate manifests offline (CI): exit 0 clean, 1 findings, 2 errors",
		Long: "check validates manifests offline with the admission webhook's engine. Exit 0 when no finding\n" +
			"is at or above --fail-on, 1 when one is, 2 for usage, configuration, input or parse errors\n" +
			"(the files that parse are still checked and reported).",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(args); err != nil {
				return usageError(err)
			}
			return runCheck(o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	o.addFlags(fs)
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.VarP(&o.outputs, "output", "o", "output format: "+strings.Join(report.Formats(), ", ")+
		"; FORMAT=FILE writes that format to FILE; repeatable, at most one without FILE (default text)")
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
	fs.StringVar(&o.repoRoot, "repo-root", "", "directory that SARIF, GitHub and GitLab locations are relative to "+
		"(default: the git top level of the working directory, if any)")
	fs.StringVar(&o.stdinFilename, "stdin-filename", "", "name the documents read from - (stdin) by this path in reports")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "text output: the findings only, no summary or skipped-inputs line")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of objects that do not set one")
	fs.Var(&o.nsLabels, "namespace-label", namespaceLabelUsage+" (rules such as IGR702 read namespace labels; "+
		"without any, namespaces not in the input are not judged)")
	fs.StringVar(&o.valuesFor, "values-for", "", "read documents without apiVersion/kind as Helm values of this chart: istiod or gateway")
	return cmd
}

func (o *checkOptions) validate(args []string) error {
	if err := o.inputOptions.validate(args); err != nil {
		return err
	}
	sinks, err := parseOutputs(o.outputs)
	if err != nil {
		return err
	}
	o.sinks = sinks
	switch {
	case o.failOn != string(policy.ActionDeny) && o.failOn != string(policy.ActionWarn):
		return fmt.Errorf("invalid --fail-on %q (want deny or warn)", o.failOn)
	case o.valuesFor != "" && o.valuesFor != manifest.ValuesIstiod && o.valuesFor != manifest.ValuesGateway:
		return fmt.Errorf("invalid --values-for %q (want istiod or gateway)", o.valuesFor)
	case o.namespace == "":
		return errors.New("--namespace must not be empty")
	}
	o.namespaces, err = parseNamespaceLabels(o.nsLabels)
	return err
}

// parseOutputs parses the --output values: FORMAT or FORMAT=FILE.
func parseOutputs(list []string) ([]outputSink, error) {
	if len(list) == 0 {
		list = []string{"text"}
	}
	var out []outputSink
	toStdout := 0
	for _, v := range list {
		format, path, toFile := strings.Cut(v, "=")
		if !slices.Contains(report.Formats(), format) {
			return nil, fmt.Errorf("invalid -o %q (want %s, optionally =FILE)", v, strings.Join(report.Formats(), ", "))
		}
		if toFile && path == "" {
			return nil, fmt.Errorf("invalid -o %q: no file after =", v)
		}
		if !toFile {
			toStdout++
		}
		out = append(out, outputSink{format: format, path: path})
	}
	if toStdout > 1 {
		return nil, errors.New("at most one -o without =FILE: the others must name a file (-o sarif=results.sarif)")
	}
	return out, nil
}

// checkMemoryLimit is the least soft memory limit check sets
// (runtime/debug.SetMemoryLimit). The limit counts the Go runtime's memory,
// not the executable's own pages: those are some 44 MiB of check's resident
// set whatever the input (package initialisation touches the type data and
// descriptors of every API the binary links). 64 MiB keeps 100k objects near
// 100 MiB resident; below it the collector runs much more often (at 48 MiB,
// 2.6 times the collections of 112 MiB on the 100k corpora). Inputs whose
// heap stays under it (10k objects) never reach it: GOGC decides there.
const checkMemoryLimit = 64 << 20

// boundMemory keeps the soft memory limit at 1.5 times the live heap, and
// at least checkMemoryLimit, until the returned function is called (which
// restores the previous limit). A fixed limit would do for small inputs but
// not once the live heap itself nears it: the collector would then run
// without pause.
func boundMemory() func() {
	prev := debug.SetMemoryLimit(checkMemoryLimit)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				metrics.Read(live)
				if live[0].Value.Kind() == metrics.KindUint64 {
					debug.SetMemoryLimit(max(checkMemoryLimit, int64(live[0].Value.Uint64())*3/2))
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		debug.SetMemoryLimit(prev)
	}
}

// runCheck validates manifests offline: exit 0 clean, 1 findings at or
// above --fail-on, 2 for configuration, input or parse errors (the files
// that parse are still checked and reported, and every report says the
// run was not clean).
func runCheck(opts *checkOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	// check is a short batch job that allocates fast while its live heap
	// stays small: collecting less often saves CPU for little memory.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	// What stays live is the findings and the cross-object index: a soft
	// memory limit that follows the live heap collects more often once the
	// heap grows, so that peak RSS stays near the live heap on large inputs
	// (GOMEMLIMIT, when set, wins).
	if os.Getenv("GOMEMLIMIT") == "" {
		defer boundMemory()()
	}
	start := time.Now()
	rep, inputErrs, err := checkInputs(opts, stdin, stderr)
	if err != nil {
		return usageError(err)
	}
	for _, e := range inputErrs {
		fmt.Fprintln(stderr, e)
		rep.Errors = append(rep.Errors, problemOf(e))
	}
	rep.Elapsed = time.Since(start)
	rep.Text = report.TextOptions{Quiet: opts.quiet}
	if opts.needsRepoRoot() {
		if rep.RepoRoot, err = repoRoot(opts.repoRoot); err != nil {
			return usageError(err)
		}
	}
	for _, sink := range opts.sinks {
		if err := writeSink(sink, rep, stdout); err != nil {
			return usageError(err)
		}
	}
	if code := rep.ExitCode(); code != exitOK {
		return exitWith(code, nil)
	}
	return nil
}

// needsRepoRoot reports whether an output locates files relative to the
// repository root.
func (o *checkOptions) needsRepoRoot() bool {
	return o.repoRoot != "" || slices.ContainsFunc(o.sinks, func(s outputSink) bool {
		return s.format == "sarif" || s.format == "github" || s.format == "gitlab"
	})
}

// repoRoot is --repo-root as an absolute path, or the git top level of the
// working directory, or "" outside a git work tree.
func repoRoot(flag string) (string, error) {
	if flag != "" {
		st, err := os.Stat(flag)
		if err != nil {
			return "", fmt.Errorf("--repo-root: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("--repo-root %s: not a directory", flag)
		}
		return filepath.Abs(flag)
	}
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", nil // not in a work tree, or no git: paths stay as given
	}
	return filepath.Clean(strings.TrimSpace(string(out))), nil
}

// writeSink renders the report to stdout or to the sink's file.
func writeSink(sink outputSink, rep *report.Report, stdout io.Writer) error {
	r := *rep
	if sink.path == "" {
		r.Text.Color = sink.format == "text" && colorable(stdout)
		return report.Write(stdout, sink.format, &r)
	}
	f, err := os.Create(sink.path)
	if err != nil {
		return fmt.Errorf("-o %s=%s: %w", sink.format, sink.path, err)
	}
	if err := report.Write(f, sink.format, &r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// colorable reports whether w is a terminal and NO_COLOR is unset
// (https://no-color.org).
func colorable(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// problemOf turns an input error into a report problem.
func problemOf(err error) report.Problem {
	var me *manifest.Error
	if errors.As(err, &me) {
		return report.Problem{File: me.File, Line: me.Line, Message: me.Err.Error()}
	}
	var fe *fileError
	if errors.As(err, &fe) {
		return report.Problem{File: fe.file, Message: fe.err.Error()}
	}
	return report.Problem{Message: err.Error()}
}

// fileError is an error reading one input.
type fileError struct {
	file string
	err  error
}

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// checkInputs validates the inputs of opts. Errors reading or decoding an input
// are returned apart: the other inputs are still checked. Every input is
// read twice, one "---" part at a time: first for what documents say about
// each other (manifest.Context: Namespace labels, HPAs and PDBs, HTTPRoutes),
// then to judge each document and let it go, on every core. Memory then
// scales with the findings, not with the input. What was skipped is one
// line on stderr.
func checkInputs(opts *checkOptions, stdin io.Reader, stderr io.Writer) (*report.Report, []error, error) {
	cfg, eng, err := loadEngine(opts.config)
	if err != nil {
		return nil, nil, err
	}
	opts.exclude = append(opts.exclude, cfg.Exclude...) // the configuration's exclude: adds to --exclude
	tally, err := opts.files()
	if err != nil {
		return nil, nil, err
	}
	ins, cleanup, errs := openInputs(tally.set.Files, stdin, opts.stdinFilename)
	defer cleanup()
	mopts := manifest.Options{DefaultNamespace: opts.namespace, ValuesFor: opts.valuesFor}
	// The input is the whole world for a rendered control plane: its HPAs
	// and PDBs are judged together with the Deployments they scale and protect.
	// Likewise its HTTPRoutes are judged with the Gateway listeners they attach to.
	known := &manifest.Context{DefaultNamespace: opts.namespace}
	for _, in := range ins {
		if err := in.each(known.Read); err != nil {
			errs = append(errs, err)
		}
	}
	namespaces := opts.namespaces.lookup(known.Namespaces) // the input's Namespaces win
	ctx := &policy.Context{Namespaces: namespaces, Scaling: &known.Scaling, Routes: &known.Routes}
	rep := &results{Report: report.Report{Files: len(tally.set.Files), FailOn: policy.Action(opts.failOn), Version: version},
		keepClean: slices.ContainsFunc(opts.sinks, func(s outputSink) bool { return s.format == "junit" })}
	// The cross-object rules that can fire on files are about DestinationRules
	// (IGR803) and the Gateways istiod deploys (IGR811): inputs with neither
	// build no index.
	var cross *crossObjects
	if known.DestinationRules || known.Gateways {
		cross = newCrossObjects()
	}
	judge := func(d *manifest.Document, err error) judged {
		if err != nil {
			return judged{err: err}
		}
		j := judged{res: checkDocument(eng, ctx, d, helmSources(d.Part))}
		if cross != nil {
			j.doc = d
		}
		return j
	}
	workers := runtime.GOMAXPROCS(0)
	for i, in := range ins {
		err := in.each(func(r io.Reader) error {
			for j := range manifest.Map(in.name, r, mopts, workers, judge) {
				if j.err != nil {
					if !opts.skip(tally, j.err) {
						errs = append(errs, j.err)
					}
					continue
				}
				tally.objects++
				seq := rep.add(j.res)
				if cross != nil {
					cross.add(j.doc, i, seq, j.res)
				}
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if note := tally.note(); note != "" && !opts.quiet {
		fmt.Fprintln(stderr, "istio-guardrail check:", note)
	}
	if err := opts.emptyError(tally, "Helm values files need --values-for istiod|gateway"); err != nil {
		errs = append(errs, err)
	}
	if cross != nil {
		cross.judge(rep, eng, ins, mopts)
	}
	return &rep.Report, errs, nil
}

// judged is one decoded document's outcome, or its decoding error.
type judged struct {
	res report.ObjectResult
	doc *manifest.Document // for the cross-object index, when one is built
	err error
}

// results is the report being built. Objects without a finding or an
// exemption are only counted (Report.Unlisted), unless an output lists them
// (JUnit): a clean object then costs nothing.
type results struct {
	report.Report
	keepClean bool
	seqs      []int // the input position of each of Objects
	n         int   // objects added
	// interned holds one copy of the API versions and namespaces the kept
	// objects and findings repeat (each Object.Ref renders its own).
	interned map[string]string
}

// intern returns one copy of s per distinct value.
func (r *results) intern(s string) string {
	if v, ok := r.interned[s]; ok {
		return v
	}
	if r.interned == nil {
		r.interned = map[string]string{}
	}
	r.interned[s] = s
	return s
}

// internRef makes ref share the strings of the refs kept before it.
func (r *results) internRef(ref *policy.ObjectRef) {
	ref.APIVersion, ref.Kind, ref.Namespace = r.intern(ref.APIVersion), r.intern(ref.Kind), r.intern(ref.Namespace)
}

// add records an object's result and returns its input position.
func (r *results) add(o report.ObjectResult) int {
	seq := r.n
	r.n++
	if !r.keepClean && len(o.Findings) == 0 && len(o.Exempted) == 0 {
		r.Unlisted.Objects++
		if o.Skipped {
			r.Unlisted.Skipped++
		}
		return seq
	}
	r.internRef(&o.Ref)
	for i := range o.Findings {
		r.internRef(&o.Findings[i].Object)
	}
	r.Objects = append(r.Objects, o)
	r.seqs = append(r.seqs, seq)
	return seq
}

// listed returns the index in Objects of the object at input position seq,
// listing it first (at its place in input order) when it was only counted.
func (r *results) listed(seq int, o report.ObjectResult) int {
	i, found := slices.BinarySearch(r.seqs, seq)
	if found {
		return i
	}
	r.Unlisted.Objects--
	if o.Skipped {
		r.Unlisted.Skipped--
	}
	r.Objects = slices.Insert(r.Objects, i, o)
	r.seqs = slices.Insert(r.seqs, i, seq)
	return i
}

// input is one input file, readable as often as needed: stdin is copied to
// a temporary file first.
type input struct {
	name string // as documents and errors name it
	path string // what to open
}

// each opens the input and hands it to fn.
func (in input) each(fn func(io.Reader) error) error {
	f, err := os.Open(in.path)
	if err != nil {
		return &fileError{file: manifest.DisplayName(in.name), err: fmt.Errorf("read %s: %w", manifest.DisplayName(in.name), err)}
	}
	defer f.Close()
	if err := fn(f); err != nil {
		return &fileError{file: manifest.DisplayName(in.name), err: fmt.Errorf("read %s: %w", manifest.DisplayName(in.name), err)}
	}
	return nil
}

// openInputs makes every file an input; stdin is copied to a temporary file
// (removed by cleanup). Documents read from stdin are named stdinName when
// it is set. Unreadable inputs are returned as errors.
func openInputs(files []string, stdin io.Reader, stdinName string) ([]input, func(), []error) {
	var ins []input
	var errs []error
	cleanup := func() {}
	for _, f := range files {
		if f != manifest.Stdin {
			fh, err := os.Open(f)
			if err != nil {
				errs = append(errs, &fileError{file: f, err: fmt.Errorf("read %s: %w", f, err)})
				continue
			}
			fh.Close()
			ins = append(ins, input{name: f, path: f})
			continue
		}
		name := f
		if stdinName != "" {
			name = stdinName
		}
		path, err := spool(stdin)
		if err != nil {
			errs = append(errs, &fileError{file: manifest.DisplayName(name), err: fmt.Errorf("read %s: %w", manifest.DisplayName(name), err)})
			continue
		}
		prev := cleanup
		cleanup = func() { prev(); os.Remove(path) }
		ins = append(ins, input{name: name, path: path})
	}
	return ins, cleanup, errs
}

// spool copies r to a new temporary file and returns its path.
func spool(r io.Reader) (string, error) {
	f, err := os.CreateTemp("", "istio-guardrail-stdin-")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// newEngine builds the engine from a GuardrailConfig file or the defaults.
func newEngine(path string) (*policy.Engine, error) {
	_, eng, err := loadEngine(path)
	return eng, err
}

// loadEngine reads a GuardrailConfig file (or the defaults) and builds its engine.
func loadEngine(path string) (*config.Config, *policy.Engine, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, nil, err
		}
	}
	eng, err := policy.NewEngine(cfg.Settings)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration: %w", err)
	}
	return cfg, eng, nil
}

// inputs are the decoded documents of every file, and the errors met.
type inputs struct {
	docs []manifest.Document
	errs []error
	// sources are the bytes of each input, by the name its documents carry.
	sources map[string][]byte
}

// decodeInputs reads and decodes every input at once (mutate needs them all).
func decodeInputs(o *inputOptions, stdin io.Reader, mopts manifest.Options, stderr io.Writer) (inputs, error) {
	in := inputs{sources: map[string][]byte{}}
	tally, err := o.files()
	if err != nil {
		return in, err
	}
	for _, f := range tally.set.Files {
		data, err := manifest.Read(f, stdin)
		if err != nil {
			in.errs = append(in.errs, err)
			continue
		}
		in.sources[manifest.DisplayName(f)] = data
		for d, err := range manifest.Documents(f, data, mopts) {
			switch {
			case err == nil:
				tally.objects++
				in.docs = append(in.docs, *d)
			case !o.skip(tally, err):
				in.errs = append(in.errs, err)
			}
		}
	}
	if note := tally.note(); note != "" {
		fmt.Fprintln(stderr, "istio-guardrail mutate:", note)
	}
	if err := o.emptyError(tally, ""); err != nil {
		in.errs = append(in.errs, err)
	}
	return in, nil
}

// inputOptions are the input flags of check and mutate.
type inputOptions struct {
	paths      stringList
	exclude    stringList
	strict     bool
	allowEmpty bool
}

func (o *inputOptions) addFlags(fs *pflag.FlagSet) {
	fs.VarP(&o.paths, "filename", "f", "file, directory (recursive: *.yaml, *.yml, *.json) or - for stdin; repeatable, "+
		"and paths may be given as arguments too")
	fs.Var(&o.exclude, "exclude", "glob of paths not to read when walking a directory: NAME matches a base name at any depth, "+
		"dir/**/x.yaml a path relative to the directory given; repeatable")
	fs.BoolVar(&o.strict, "strict-inputs", false, "read hidden files, testdata/, vendor/, Helm chart sources and tool "+
		"configuration too, and report documents without apiVersion/kind and empty files as errors (default: skip them, one summary line)")
	fs.BoolVar(&o.allowEmpty, "allow-empty", false, "accept an input without any Kubernetes object (default: exit 2)")
}

// validate takes the positional arguments as paths.
func (o *inputOptions) validate(args []string) error {
	o.paths = append(o.paths, args...)
	if len(o.paths) == 0 {
		return errors.New("no input: give at least one PATH or -f PATH (- for stdin)")
	}
	return nil
}

// files expands the paths.
func (o *inputOptions) files() (*inputTally, error) {
	set, err := manifest.Files(o.paths, manifest.FileOptions{Exclude: o.exclude, Strict: o.strict, Ignore: gitIgnore()})
	if err != nil {
		return nil, err
	}
	return &inputTally{set: set}, nil
}

// gitIgnore returns a manifest.FileOptions.Ignore that leaves out what git
// ignores (build output, local tool directories) under each directory
// walked; with git absent or outside a work tree it ignores nothing.
func gitIgnore() func(root, path string) bool {
	ignored := map[string]map[string]bool{} // root -> absolute paths
	return func(root, p string) bool {
		set, ok := ignored[root]
		if !ok {
			set = gitIgnoredPaths(root)
			ignored[root] = set
		}
		abs, err := filepath.Abs(p)
		return err == nil && set[abs]
	}
}

// gitIgnoredPaths lists, as absolute paths, the files and directories git
// ignores under dir.
func gitIgnoredPaths(dir string) map[string]bool {
	out, err := exec.Command("git", "-C", dir, "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z").Output()
	if err != nil {
		return nil
	}
	set := map[string]bool{}
	for _, rel := range strings.Split(string(out), "\x00") {
		if rel == "" {
			continue
		}
		if abs, err := filepath.Abs(filepath.Join(dir, strings.TrimSuffix(rel, "/"))); err == nil {
			set[abs] = true
		}
	}
	return set
}

// inputTally counts what the inputs held.
type inputTally struct {
	set     manifest.FileSet
	objects int // Kubernetes objects decoded
	untyped int // documents without apiVersion/kind, skipped
	empty   int // files without any document, skipped
}

// skip counts and reports true for an error that is only an input without
// a Kubernetes object, unless --strict-inputs.
func (o *inputOptions) skip(t *inputTally, err error) bool {
	switch {
	case o.strict:
		return false
	case errors.Is(err, manifest.ErrUntyped):
		t.untyped++
	case errors.Is(err, manifest.ErrNoObjects):
		t.empty++
	default:
		return false
	}
	return true
}

// note is the one line that says what was skipped, "" when nothing was.
func (t *inputTally) note() string {
	var parts []string
	if len(t.set.Skipped) > 0 {
		reasons := map[string]int{}
		for _, s := range t.set.Skipped {
			reasons[s.Reason]++
		}
		var why []string
		for _, r := range slices.Sorted(maps.Keys(reasons)) {
			why = append(why, fmt.Sprintf("%d %s", reasons[r], r))
		}
		parts = append(parts, fmt.Sprintf("%s while walking (%s)", plural(len(t.set.Skipped), "path"), strings.Join(why, ", ")))
	}
	if t.untyped > 0 {
		parts = append(parts, plural(t.untyped, "document")+" without apiVersion/kind")
	}
	if t.empty > 0 {
		parts = append(parts, plural(t.empty, "empty file"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "skipped " + strings.Join(parts, ", ") + " (not Kubernetes objects; --strict-inputs reads and reports them)"
}

// emptyError is the error of an input without any object (nil with
// --allow-empty); hint says what may have been meant.
func (o *inputOptions) emptyError(t *inputTally, hint string) error {
	if t.objects > 0 || o.allowEmpty {
		return nil
	}
	msg := "no Kubernetes objects found in " + plural(len(t.set.Files), "file")
	if t.untyped > 0 && hint != "" {
		msg += " (" + hint + ")"
	}
	return errors.New(msg + "; --allow-empty accepts an empty input")
}

// plural renders "1 file", "2 files".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// checkDocument validates one document and locates its findings (in the
// Helm template the document was rendered from, when helm names one).
func checkDocument(eng *policy.Engine, ctx *policy.Context, d *manifest.Document, helm helmSourceMap) report.ObjectResult {
	res := eng.Validate(ctx, d.Object)
	file, line := helm.locate(d.File, d.Line, d.Line)
	o := report.ObjectResult{File: file, Line: line, Ref: d.Object.Ref(), Skipped: res.Skipped || res.ExemptNamespace, Exempted: res.Exempted}
	if len(res.Exempted) > 0 {
		_, o.ExemptLine = helm.locate(d.File, d.Line, d.FieldLine("metadata.annotations"))
	}
	for _, f := range res.Findings {
		file, line := helm.locate(d.File, d.Line, d.FieldLine(f.Field))
		o.Findings = append(o.Findings, report.Entry{Finding: f, File: file, Line: line})
	}
	return o
}

// helmSourceMap holds the "# Source: chart/templates/x.yaml" comments that
// helm template writes before each rendered document, in the order of
// their lines (nil without any).
type helmSourceMap []helmSource

type helmSource struct {
	template string
	line     int // of the "# Source:" comment
}

// helmSources reads the "# Source:" comments of one part of an input (a
// part starts at a "---" line, where helm template starts each rendered
// document).
func helmSources(part manifest.Part) helmSourceMap {
	const marker = "# Source: "
	if !bytes.Contains(part.Text, []byte(marker)) {
		return nil
	}
	var m helmSourceMap
	for i, l := range bytes.Split(part.Text, []byte("\n")) {
		if l = bytes.TrimRight(l, "\r"); bytes.HasPrefix(l, []byte(marker)) {
			m = append(m, helmSource{template: strings.TrimSpace(string(l[len(marker):])), line: part.Line + i})
		}
	}
	return m
}

// locate returns where to report line of the document starting at
// docLine: in the template it was rendered from (the last "# Source:"
// comment of its part above it), at its line within the rendered document,
// or in file itself.
func (m helmSourceMap) locate(file string, docLine, line int) (string, int) {
	i := len(m) - 1
	for i >= 0 && m[i].line > docLine {
		i--
	}
	if i < 0 || m[i].template == "" {
		return file, line
	}
	src := m[i]
	return src.template, max(line-src.line, 1)
}

// namespaceLabelUsage documents --namespace-label, one syntax for check and mutate.
const namespaceLabelUsage = "NAMESPACE:key=value, a label of a namespace that is not in the input, as the cluster has it; " +
	"or key=value, a label of every other namespace not in the input; repeatable"

// namespaceFlags are the --namespace-label values.
type namespaceFlags struct {
	// named are the labels of the namespaces given as NAMESPACE:key=value.
	named policy.NamespaceLabels
	// others are the labels of every other namespace not in the input
	// (key=value; an empty value assumes no labels); nil: such namespaces
	// are unknown.
	others map[string]string
}

// parseNamespaceLabels parses --namespace-label values.
func parseNamespaceLabels(list []string) (namespaceFlags, error) {
	out := namespaceFlags{named: policy.NamespaceLabels{}}
	for _, item := range list {
		if item == "" {
			if out.others == nil {
				out.others = map[string]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(item, "=")
		ns, k, named := strings.Cut(key, ":")
		if !named {
			ns, k = "", key
		}
		if !ok || k == "" || (named && ns == "") {
			return namespaceFlags{}, fmt.Errorf("invalid --namespace-label %q (want key=value or NAMESPACE:key=value)", item)
		}
		labels := out.others
		if named {
			labels = out.named[ns]
		}
		if labels == nil {
			labels = map[string]string{}
		}
		labels[k] = value
		if named {
			out.named[ns] = labels
		} else {
			out.others = labels
		}
	}
	return out, nil
}

// lookup resolves namespaces: the input's own Namespace documents first,
// then the named ones, then the labels assumed for every other namespace.
func (n namespaceFlags) lookup(input policy.NamespaceLabels) namespaceLookup {
	known := maps.Clone(n.named)
	if known == nil {
		known = policy.NamespaceLabels{}
	}
	maps.Copy(known, input)
	return namespaceLookup{known: known, others: n.others}
}

// namespaceLookup is a policy.NamespaceLookup over known namespaces, with
// labels assumed for the others when others is not nil.
type namespaceLookup struct {
	known  policy.NamespaceLabels
	others map[string]string
}

var _ policy.NamespaceLookup = namespaceLookup{}

// NamespaceLabels implements policy.NamespaceLookup.
func (l namespaceLookup) NamespaceLabels(name string) (map[string]string, bool) {
	if labels, ok := l.known[name]; ok {
		return labels, true
	}
	return l.others, l.others != nil
}
