package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
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
	// namespaces are the labels given with --namespace-label.
	namespaces namespaceFlags
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check -f PATH [-f PATH...] [flags]",
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
	fs.VarP(&o.paths, "filename", "f", "file, directory (recursive: *.yaml, *.yml, *.json) or - for stdin; repeatable")
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.failOn, "fail-on", "deny", "exit 1 when a finding is at or above this action: deny or warn")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of objects that do not set one")
	fs.Var(&o.nsLabels, "namespace-label", namespaceLabelUsage+" (rules such as IGR702 read namespace labels; "+
		"without any, namespaces not in the input are not judged)")
	fs.StringVar(&o.valuesFor, "values-for", "", "read documents without apiVersion/kind as Helm values of this chart: istiod or gateway")
	return cmd
}

func (o *checkOptions) validate(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q (give inputs with -f)", rest[0])
	case len(o.paths) == 0:
		return errors.New("no input: give at least one -f PATH (- for stdin)")
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
// above --fail-on, 2 for configuration or parse errors (the files that parse
// are still checked and reported).
func runCheck(opts *checkOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	// check is a short batch job that allocates fast while its live heap
	// stays small: collecting less often saves CPU for little memory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	rep, inputErrs, err := checkInputs(opts, stdin)
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
	namespaces := opts.namespaces.lookup(sourceNamespaces(srcs)) // the input's Namespaces win
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
