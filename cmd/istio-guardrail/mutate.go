package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	gomodulesjsonpatch "gomodules.xyz/jsonpatch/v2"
	evanphxjsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// mutateOptions are the flags of mutate.
type mutateOptions struct {
	inputOptions
	config     string
	output     string
	namespace  string
	nsLabels   stringList
	workloads  bool
	namespaces namespaceFlags
}

func newMutateCmd() *cobra.Command {
	o := &mutateOptions{}
	cmd := &cobra.Command{
		Use:   "mutate [PATH...] [-f PATH...] [flags]",
		Short: "Preview admission mutations offline",
		Long: "mutate prints the objects as the mutating webhook would store them; stderr has one line per applied\n" +
			"mutation, skip reason or note. Exit 0 on success, 2 on usage, configuration, parse or mutation errors.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(args); err != nil {
				return usageError(err)
			}
			return runMutate(o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	o.addFlags(fs)
	fs.StringVar(&o.config, "config", "", "GuardrailConfig file (default: built-in defaults)")
	fs.StringVarP(&o.output, "output", "o", "yaml", "output: yaml, json (a List when there are several objects) or diff")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of objects that do not set one")
	fs.Var(&o.nsLabels, "namespace-label", namespaceLabelUsage+" (default istio-injection=enabled, so the preview "+
		"shows what an injected namespace gets; --namespace-label= assumes no labels)")
	fs.BoolVar(&o.workloads, "workloads", true, "mutate the pod templates of Deployments, StatefulSets, DaemonSets, "+
		"ReplicaSets, Jobs and CronJobs (what their Pods get at admission); false keeps the config's setting")
	return cmd
}

func (o *mutateOptions) validate(args []string) error {
	if err := o.inputOptions.validate(args); err != nil {
		return err
	}
	switch {
	case o.output != "yaml" && o.output != "json" && o.output != "diff":
		return fmt.Errorf("invalid -o %q (want yaml, json or diff)", o.output)
	case o.namespace == "":
		return errors.New("--namespace must not be empty")
	}
	var err error
	o.namespaces, err = parseNamespaceLabels(o.nsLabels)
	if len(o.nsLabels) == 0 {
		o.namespaces.others = map[string]string{policy.LabelLegacyInjection: "enabled"}
	}
	return err
}

// runMutate previews the mutations offline: it decodes the inputs as check
// does, mutates Namespaces first (so pods see the labels they will have),
// then everything else, and renders the result.
func runMutate(opts *mutateOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	eng, err := mutateEngine(opts)
	if err != nil {
		return usageError(err)
	}
	in, err := decodeInputs(&opts.inputOptions, stdin, manifest.Options{DefaultNamespace: opts.namespace}, stderr)
	if err != nil {
		return usageError(err)
	}
	for _, e := range in.errs {
		fmt.Fprintln(stderr, e)
	}
	outs, failed := mutateDocuments(eng, in.docs, opts.namespaces.lookup(nil), stderr)
	if err := render(stdout, opts.output, outs, in.sources); err != nil {
		return usageError(err)
	}
	if len(in.errs) > 0 || failed {
		return exitWith(exitError, nil)
	}
	return nil
}

// mutateEngine builds the engine from the config, with --workloads applied.
func mutateEngine(o *mutateOptions) (*policy.Engine, error) {
	cfg := config.Default()
	if o.config != "" {
		var err error
		if cfg, err = config.Load(o.config); err != nil {
			return nil, err
		}
	}
	if o.workloads {
		cfg.Settings.Mutation.Workloads = true
	}
	eng, err := policy.NewEngine(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return eng, nil
}

// mutated is one document before and after mutation, as JSON.
type mutated struct {
	doc         *manifest.Document
	before, out []byte
}

// mutateDocuments mutates the Namespaces of the input, then the other
// documents with the Namespaces' final labels, logging one line per applied
// mutator, skip or note. Output keeps the input order.
func mutateDocuments(eng *policy.Engine, docs []manifest.Document, namespaces namespaceLookup, log io.Writer) ([]mutated, bool) {
	outs := make([]mutated, len(docs))
	ctx := &policy.Context{Namespaces: namespaces, Operation: "CREATE"}
	failed := false
	for _, nsPass := range []bool{true, false} {
		for i := range docs {
			d := &docs[i]
			if isNamespace(d) != nsPass {
				continue
			}
			out, err := mutateDocument(eng, ctx, d, log)
			if err != nil {
				fmt.Fprintf(log, "%s:%d: %s: %v\n", d.File, d.Line, shortRef(d.Object), err)
				out, failed = d.Raw, true
			}
			outs[i] = mutated{doc: d, before: d.Raw, out: out}
			if nsPass && d.Object.Meta != nil {
				namespaces.known[d.Object.Meta.Name] = d.Object.Meta.Labels
			}
		}
	}
	return outs, failed
}

func isNamespace(d *manifest.Document) bool {
	return policy.KindOf(d.Object.GroupKind) == policy.KindNamespace
}

// mutateDocument mutates one document and returns its raw JSON with the
// changes applied. The changes are the webhook's own JSON patch
// (webhooks.MutationPatch), applied to the raw document as the API server
// applies it, so the preview is what admission stores: only what the
// mutators changed is written, and fields the Go types do not know survive.
func mutateDocument(eng *policy.Engine, ctx *policy.Context, d *manifest.Document, log io.Writer) ([]byte, error) {
	ref := shortRef(d.Object)
	if d.Object.Body == nil {
		fmt.Fprintf(log, "%s: skipped: kind %s not targeted\n", ref, d.Object.GroupKind.Kind)
		return d.Raw, nil
	}
	ops, res, err := webhooks.MutationPatch(eng, ctx, d.Object, d.Raw)
	if err != nil {
		return nil, err
	}
	logResult(log, ref, res)
	if len(ops) == 0 {
		return d.Raw, nil
	}
	return applyPatch(d.Raw, ops)
}

// applyPatch applies JSON patch operations to raw, as the API server does.
func applyPatch(raw []byte, ops []gomodulesjsonpatch.JsonPatchOperation) ([]byte, error) {
	data, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encode patch: %w", err)
	}
	patch, err := evanphxjsonpatch.DecodePatch(data)
	if err != nil {
		return nil, fmt.Errorf("decode patch: %w", err)
	}
	out, err := patch.Apply(raw)
	if err != nil {
		return nil, fmt.Errorf("apply patch: %w", err)
	}
	return out, nil
}

// logResult writes the lines of one mutation result.
func logResult(w io.Writer, ref string, res policy.MutationResult) {
	switch {
	case res.Skipped != "":
		fmt.Fprintf(w, "%s: skipped: %s\n", ref, res.Skipped)
	case len(res.Applied) == 0:
		fmt.Fprintf(w, "%s: nothing to change\n", ref)
	}
	for _, id := range res.Applied {
		fmt.Fprintf(w, "%s: %s applied\n", ref, id)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "%s: note: %s\n", ref, n)
	}
}

// shortRef renders an object as kubectl does: "deploy/web", "pod/x".
func shortRef(o *policy.Object) string {
	short := map[string]string{
		"Pod": "pod", "Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "ReplicaSet": "rs",
		"Job": "job", "CronJob": "cronjob", "Namespace": "ns",
	}
	kind, ok := short[o.GroupKind.Kind]
	if !ok {
		kind = strings.ToLower(o.GroupKind.Kind)
	}
	name := ""
	if o.Meta != nil {
		name = o.Meta.Name
	}
	return kind + "/" + name
}

// render writes the mutated documents as YAML, JSON or a unified diff of
// the input files (sources).
func render(w io.Writer, format string, outs []mutated, sources map[string][]byte) error {
	switch format {
	case "json":
		return renderJSON(w, outs)
	case "diff":
		return renderDiff(w, outs, sources)
	}
	for i, m := range outs {
		y, err := yaml.JSONToYAML(m.out)
		if err != nil {
			return fmt.Errorf("render %s: %w", shortRef(m.doc.Object), err)
		}
		if i > 0 {
			fmt.Fprintln(w, "---")
		}
		if _, err := w.Write(y); err != nil {
			return err
		}
	}
	return nil
}

// renderJSON writes one object, or a v1 List of several.
func renderJSON(w io.Writer, outs []mutated) error {
	var v any
	items := make([]json.RawMessage, 0, len(outs))
	for _, m := range outs {
		items = append(items, m.out)
	}
	v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	if len(items) == 1 {
		v = items[0]
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("render json: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// renderDiff writes, for each input file with a mutated document, a
// unified diff from the file's own bytes to the file with each mutated
// document replaced by its YAML (the other documents, separators and
// comments before a document are kept byte for byte), so that `patch -p0`
// applied where the paths were given turns the input into what admission
// stores. A "---" part holding several documents (a List) is rewritten as
// a whole. Diffs of stdin name <stdin>.
func renderDiff(w io.Writer, outs []mutated, sources map[string][]byte) error {
	byFile := map[string][]mutated{}
	var files []string
	for _, m := range outs {
		if bytes.Equal(m.before, m.out) {
			continue
		}
		if _, ok := byFile[m.doc.File]; !ok {
			files = append(files, m.doc.File)
		}
		byFile[m.doc.File] = append(byFile[m.doc.File], m)
	}
	for _, f := range files {
		src, ok := sources[f]
		if !ok {
			return fmt.Errorf("diff %s: input not kept", f)
		}
		after, err := replaceDocuments(src, byFile[f], outs)
		if err != nil {
			return fmt.Errorf("diff %s: %w", f, err)
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: splitLines(string(src)), B: splitLines(string(after)),
			FromFile: f, ToFile: f, Context: 3,
		})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
	}
	return nil
}

// replaceDocuments returns src with the "---" parts of the changed
// documents rewritten: from the line of the part's first document to the
// part's end, the YAML of every document of that part (all of outs that
// start in it, mutated or not, in input order).
func replaceDocuments(src []byte, changed, outs []mutated) ([]byte, error) {
	lines := splitLines(string(src))
	// partEnd[i] is the 1-based line after the part holding line i+1.
	partEnd := make([]int, len(lines)+2)
	end := len(lines) + 1
	for i := len(lines); i >= 1; i-- {
		partEnd[i] = end
		if isYAMLSeparator(lines[i-1]) {
			end = i
		}
	}
	type part struct{ from, to int }
	parts := map[part][]*mutated{}
	for _, c := range changed {
		if c.doc.Line < 1 || c.doc.Line > len(lines) {
			return nil, fmt.Errorf("document line %d out of range", c.doc.Line)
		}
		to := partEnd[c.doc.Line]
		key := part{to: to}
		for i := range outs {
			o := &outs[i]
			if o.doc.File != c.doc.File || o.doc.Line < 1 || o.doc.Line > len(lines) || partEnd[o.doc.Line] != to {
				continue
			}
			if key.from == 0 || o.doc.Line < key.from {
				key.from = o.doc.Line
			}
		}
		if _, done := parts[key]; done {
			continue
		}
		for i := range outs {
			if o := &outs[i]; o.doc.File == c.doc.File && o.doc.Line >= 1 && o.doc.Line <= len(lines) && partEnd[o.doc.Line] == to {
				parts[key] = append(parts[key], o)
			}
		}
	}
	keys := make([]part, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].from > keys[j].from }) // bottom up: earlier lines stay put
	for _, k := range keys {
		var repl []string
		for i, o := range parts[k] {
			y, err := yaml.JSONToYAML(o.out)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				repl = append(repl, "---\n")
			}
			repl = append(repl, splitLines(string(y))...)
		}
		lines = append(lines[:k.from-1], append(repl, lines[k.to-1:]...)...)
	}
	return []byte(strings.Join(lines, "")), nil
}

// splitLines splits s after each newline (the last line may lack one).
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// isYAMLSeparator reports whether a line starts a YAML document ("---"
// alone or followed by a space), as manifest splits files.
func isYAMLSeparator(l string) bool {
	rest, ok := strings.CutPrefix(l, "---")
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r')
}
