package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// Exit codes of check.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // a finding at or above --fail-on
	exitError    = 2 // usage, configuration or parse error
)

// checkOptions are the flags of check.
type checkOptions struct {
	paths     stringList
	config    string
	output    string
	failOn    string
	namespace string
	valuesFor string
	nsLabels  stringList
	// clusterNamespaces are the labels given with --namespace-label.
	clusterNamespaces policy.NamespaceLabels
}

// stringList is a repeatable string flag (used by check and serve).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// errUsage marks flag errors already reported by the flag package.
var errUsage = errors.New("usage")

func parseCheckFlags(args []string, stderr io.Writer) (*checkOptions, error) {
	o := &checkOptions{}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&o.paths, "f", "file, directory (recursive: *.yaml, *.yml, *.json) or - for stdin; repeatable")
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.StringVar(&o.output, "o", "text", "output format: text, json, sarif or junit")
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of objects that do not set one")
	fs.Var(&o.nsLabels, "namespace-label", "NAMESPACE:key=value, a label of a namespace that is not in the input, as the "+
		"cluster has it (rules such as IGR702 read namespace labels; unknown namespaces are not judged); repeatable")
	fs.StringVar(&o.valuesFor, "values-for", "", "read documents without apiVersion/kind as Helm values of this chart: istiod or gateway")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: istio-guardrail check -f PATH [-f PATH...] [flags]\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	return o, o.validate(fs.Args())
}

func (o *checkOptions) validate(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q (give inputs with -f)", rest[0])
	case len(o.paths) == 0:
		return errors.New("no input: give at least one -f PATH (- for stdin)")
	case !contains(report.Formats(), o.output):
		return fmt.Errorf("invalid -o %q (want text, json, sarif or junit)", o.output)
	case o.failOn != string(policy.ActionDeny) && o.failOn != string(policy.ActionWarn):
		return fmt.Errorf("invalid --fail-on %q (want deny or warn)", o.failOn)
	case o.valuesFor != "" && o.valuesFor != manifest.ValuesIstiod && o.valuesFor != manifest.ValuesGateway:
		return fmt.Errorf("invalid --values-for %q (want istiod or gateway)", o.valuesFor)
	case o.namespace == "":
		return errors.New("--namespace must not be empty")
	}
	var err error
	o.clusterNamespaces, err = parseNamespaceLabels(o.nsLabels)
	return err
}

// parseNamespaceLabels parses --namespace-label NAMESPACE:key=value values.
func parseNamespaceLabels(list []string) (policy.NamespaceLabels, error) {
	out := policy.NamespaceLabels{}
	for _, item := range list {
		ns, kv, ok := strings.Cut(item, ":")
		k, v, okKV := strings.Cut(kv, "=")
		if !ok || !okKV || ns == "" || k == "" {
			return nil, fmt.Errorf("invalid --namespace-label %q (want NAMESPACE:key=value)", item)
		}
		if out[ns] == nil {
			out[ns] = map[string]string{}
		}
		out[ns][k] = v
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runCheck validates manifests offline: exit 0 clean, 1 findings at or
// above --fail-on, 2 for usage, configuration or parse errors (the files
// that parse are still checked and reported).
func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// check is a short batch job that allocates fast while its live heap
	// stays small: collecting less often saves CPU for little memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	opts, err := parseCheckFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitError
	case err != nil:
		return checkFailed(stderr, err)
	}
	rep, inputErrs, err := checkInputs(opts, stdin)
	if err != nil {
		return checkFailed(stderr, err)
	}
	for _, e := range inputErrs {
		fmt.Fprintln(stderr, e)
	}
	if err := report.Write(stdout, opts.output, rep); err != nil {
		return checkFailed(stderr, err)
	}
	return exitCode(rep, len(inputErrs))
}

// checkInputs validates the inputs of opts. Errors reading or decoding an input
// are returned apart: the other inputs are still checked. Documents are
// validated as they are decoded and then dropped, so memory scales with the
// findings, not with the input; the Namespace documents of every input are
// read first because rules need their labels.
func checkInputs(opts *checkOptions, stdin io.Reader) (*report.Report, []error, error) {
	eng, err := newEngine(opts.config)
	if err != nil {
		return nil, nil, err
	}
	files, err := manifest.Files(opts.paths)
	if err != nil {
		return nil, nil, err
	}
	srcs, errs := readSources(files, stdin)
	namespaces := opts.clusterNamespaces
	if namespaces == nil {
		namespaces = policy.NamespaceLabels{}
	}
	maps.Copy(namespaces, sourceNamespaces(srcs)) // the input's Namespaces win
	mopts := manifest.Options{DefaultNamespace: opts.namespace, ValuesFor: opts.valuesFor}
	// The input is the whole world for a rendered control plane: its HPAs
	// and PDBs are judged together with the Deployments they scale and protect.
	scaling := &policy.Scaling{}
	for _, src := range srcs {
		manifest.Scaling(src.data, opts.namespace, scaling)
	}
	ctx := &policy.Context{Namespaces: namespaces, Scaling: scaling}
	rep := &report.Report{Files: len(files), FailOn: policy.Action(opts.failOn), Version: version}
	for _, src := range srcs {
		for d, err := range manifest.Documents(src.name, src.data, mopts) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			rep.Objects = append(rep.Objects, checkDocument(eng, ctx, d))
		}
	}
	addCrossObjectFindings(rep, eng, srcs, mopts)
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

// checkFailed reports an error that stops check and returns exit code 2.
func checkFailed(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "istio-guardrail check: %v\n", err)
	return exitError
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
func decodeInputs(files []string, stdin io.Reader, opts manifest.Options) inputs {
	var in inputs
	for _, f := range files {
		data, err := manifest.Read(f, stdin)
		if err != nil {
			in.errs = append(in.errs, err)
			continue
		}
		docs, errs := manifest.Parse(f, data, opts)
		in.docs = append(in.docs, docs...)
		in.errs = append(in.errs, errs...)
	}
	return in
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
