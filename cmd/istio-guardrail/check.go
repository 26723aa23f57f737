package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

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
	config    string
	output    string
	failOn    string
	namespace string
	valuesFor string
	nsLabels  stringList
	// namespaces are the labels given with --namespace-label.
	namespaces namespaceFlags
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
	fs.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
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
	switch {
	case !slices.Contains(report.Formats(), o.output):
		return fmt.Errorf("invalid -o %q (want %s)", o.output, strings.Join(report.Formats(), ", "))
	case o.failOn != string(policy.ActionDeny) && o.failOn != string(policy.ActionWarn):
		return fmt.Errorf("invalid --fail-on %q (want deny or warn)", o.failOn)
	case o.valuesFor != "" && o.valuesFor != manifest.ValuesIstiod && o.valuesFor != manifest.ValuesGateway:
		return fmt.Errorf("invalid --values-for %q (want istiod or gateway)", o.valuesFor)
	case o.namespace == "":
		return errors.New("--namespace must not be empty")
	}
	var err error
	o.namespaces, err = parseNamespaceLabels(o.nsLabels)
	return err
}

// runCheck validates manifests offline: exit 0 clean, 1 findings at or
// above --fail-on, 2 for configuration, input or parse errors (the files
// that parse are still checked and reported).
func runCheck(opts *checkOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	// check is a short batch job that allocates fast while its live heap
	// stays small: collecting less often saves CPU for little memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	rep, inputErrs, err := checkInputs(opts, stdin, stderr)
	if err != nil {
		return usageError(err)
	}
	for _, e := range inputErrs {
		fmt.Fprintln(stderr, e)
	}
	if err := report.Write(stdout, opts.output, rep); err != nil {
		return usageError(err)
	}
	if code := exitCode(rep, len(inputErrs)); code != exitOK {
		return exitWith(code, nil)
	}
	return nil
}

// checkInputs validates the inputs of opts. Errors reading or decoding an input
// are returned apart: the other inputs are still checked. Documents are
// validated as they are decoded and then dropped, so memory scales with the
// findings, not with the input; the Namespace documents of every input are
// read first because rules need their labels. What was skipped is one line
// on stderr.
func checkInputs(opts *checkOptions, stdin io.Reader, stderr io.Writer) (*report.Report, []error, error) {
	eng, err := newEngine(opts.config)
	if err != nil {
		return nil, nil, err
	}
	tally, err := opts.files()
	if err != nil {
		return nil, nil, err
	}
	srcs, errs := readSources(tally.set.Files, stdin)
	namespaces := opts.namespaces.lookup(sourceNamespaces(srcs)) // the input's Namespaces win
	mopts := manifest.Options{DefaultNamespace: opts.namespace, ValuesFor: opts.valuesFor}
	// The input is the whole world for a rendered control plane: its HPAs
	// and PDBs are judged together with the Deployments they scale and protect.
	scaling := &policy.Scaling{}
	for _, src := range srcs {
		manifest.Scaling(src.data, opts.namespace, scaling)
	}
	ctx := &policy.Context{Namespaces: namespaces, Scaling: scaling}
	rep := &report.Report{Files: len(tally.set.Files), FailOn: policy.Action(opts.failOn), Version: version}
	for _, src := range srcs {
		for d, err := range manifest.Documents(src.name, src.data, mopts) {
			if err != nil {
				if !opts.skip(tally, err) {
					errs = append(errs, err)
				}
				continue
			}
			tally.objects++
			rep.Objects = append(rep.Objects, checkDocument(eng, ctx, d))
		}
	}
	if note := tally.note(); note != "" {
		fmt.Fprintln(stderr, "istio-guardrail check:", note)
	}
	if err := opts.emptyError(tally, "Helm values files need --values-for istiod|gateway"); err != nil {
		errs = append(errs, err)
	}
	return rep, errs, nil
}

// source is the content of one input.
type source struct {
	name string
	data []byte
}

// readSources reads every input; unreadable ones are returned as errors.
func readSources(files []string, stdin io.Reader) ([]source, []error) {
	var srcs []source
	var errs []error
	for _, f := range files {
		data, err := manifest.Read(f, stdin)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		srcs = append(srcs, source{name: f, data: data})
	}
	return srcs, errs
}

// sourceNamespaces collects the labels of the Namespace documents of all inputs.
func sourceNamespaces(srcs []source) policy.NamespaceLabels {
	out := policy.NamespaceLabels{}
	for _, src := range srcs {
		maps.Copy(out, manifest.NamespaceLabels(src.data))
	}
	return out
}

// exitCode is 2 when an input could not be read or decoded, 1 when a finding
// is at or above --fail-on, else 0.
func exitCode(rep *report.Report, errs int) int {
	switch {
	case errs > 0:
		return exitError
	case rep.Failed():
		return exitFindings
	}
	return exitOK
}

// newEngine builds the engine from a GuardrailConfig file or the defaults.
func newEngine(path string) (*policy.Engine, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	eng, err := policy.NewEngine(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return eng, nil
}

// inputs are the decoded documents of every file, and the errors met.
type inputs struct {
	docs []manifest.Document
	errs []error
}

// decodeInputs reads and decodes every input at once (mutate needs them all).
func decodeInputs(o *inputOptions, stdin io.Reader, mopts manifest.Options, stderr io.Writer) (inputs, error) {
	var in inputs
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

// checkDocument validates one document and locates its findings.
func checkDocument(eng *policy.Engine, ctx *policy.Context, d *manifest.Document) report.ObjectResult {
	res := eng.Validate(ctx, d.Object)
	o := report.ObjectResult{File: d.File, Line: d.Line, Ref: d.Object.Ref(), Skipped: res.Skipped || res.ExemptNamespace}
	for _, f := range res.Findings {
		o.Findings = append(o.Findings, report.Entry{Finding: f, File: d.File, Line: d.FieldLine(f.Field)})
	}
	return o
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
