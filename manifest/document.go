package manifest

import (
	"bytes"

	"errors"
	"fmt"
	"iter"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// StdinName is how documents read from "-" are named in output.
const StdinName = "<stdin>"

// MaxFileSize is the largest input Parse accepts (64 MiB).
const MaxFileSize = 64 << 20

// Document is one decoded object with its position.
type Document struct {
	Object *policy.Object
	// File is the path as given by the user ("-" shows as "<stdin>").
	File string
	// Line is the 1-based line of the document start.
	Line int
	// Raw is the document as JSON (for mutate/patch paths).
	Raw []byte
	// FieldLine returns the line of a field path like "spec.mtls.mode" or
	// "spec.servers[0].tls", falling back to the nearest existing parent,
	// then Line.
	FieldLine func(path string) int
}

// Options tune Parse.
type Options struct {
	// DefaultNamespace is given to objects of namespaced kinds that have no
	// namespace; empty means "default".
	DefaultNamespace string
	// ValuesFor is "", "istiod" or "gateway": documents without apiVersion
	// and kind are then Helm values of that chart (kinds IstiodValues and
	// GatewayValues); with "" they are an error.
	ValuesFor string
}

// Values chart names accepted by Options.ValuesFor.
const (
	ValuesIstiod  = "istiod"
	ValuesGateway = "gateway"
)

// Error is a decoding error at a position of a file.
type Error struct {
	File string
	Line int
	Err  error
}

// Error renders "file:line: message".
func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// errAt builds an *Error.
func errAt(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// ErrNoObjects is returned (wrapped) for a file that holds no document at all.
var ErrNoObjects = errors.New("no objects found")

// DisplayName returns the name a path is shown as: "<stdin>" for "-".
func DisplayName(file string) string {
	if file == "-" {
		return StdinName
	}
	return file
}

// Parse decodes one file's bytes: multi-document YAML or JSON, with `kind:
// List` (and *List kinds) expanded. Errors name file and line; the other
// documents of the file are still returned.
func Parse(file string, data []byte, opts Options) ([]Document, []error) {
	var docs []Document
	var errs []error
	for d, err := range Documents(file, data, opts) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, *d)
	}
	return docs, errs
}

// Documents decodes like Parse but yields each document, or error, as soon
// as it is decoded, so that a caller can process it and let it go: memory
// then scales with one document, not with the file.
func Documents(file string, data []byte, opts Options) iter.Seq2[*Document, error] {
	return func(yield func(*Document, error) bool) {
		file := DisplayName(file)
		if err := opts.check(file, len(data)); err != nil {
			yield(nil, err)
			return
		}
		if opts.DefaultNamespace == "" {
			opts.DefaultNamespace = "default"
		}
		p := &parser{file: file, opts: opts, yield: yield}
		for _, c := range splitDocuments(data) {
			if p.stopped {
				return
			}
			p.chunk(c)
		}
		if p.emitted == 0 {
			yield(nil, &Error{File: file, Line: 1, Err: ErrNoObjects})
		}
	}
}

// check validates the options and the input size.
func (o Options) check(file string, size int) error {
	if o.ValuesFor != "" && o.ValuesFor != ValuesIstiod && o.ValuesFor != ValuesGateway {
		return &Error{File: file, Err: fmt.Errorf("unknown values chart %q (want istiod or gateway)", o.ValuesFor)}
	}
	if size > MaxFileSize {
		return errAt(file, 1, "file is %d bytes, more than the limit of %d", size, MaxFileSize)
	}
	return nil
}

// NamespaceLabels returns the labels of the Namespace objects in data (also
// inside Lists). It decodes only the documents that mention "Namespace", so
// a caller can learn the namespaces of all inputs before it decodes them one
// by one; documents that fail to decode are skipped (Documents reports them).
func NamespaceLabels(data []byte) policy.NamespaceLabels {
	out := policy.NamespaceLabels{}
	eachDocumentContaining(data, "default", [][]byte{[]byte("Namespace")}, func(d *Document) {
		if policy.KindOf(d.Object.GroupKind) == policy.KindNamespace {
			out[d.Object.Meta.Name] = d.Object.Meta.Labels
		}
	})
	return out
}

// Scaling collects the HorizontalPodAutoscalers and PodDisruptionBudgets of
// data (namespaces defaulted to defaultNamespace, as Parse does), so a
// rendered control plane can be judged with them. Like NamespaceLabels it
// decodes only the documents that can hold one.
func Scaling(data []byte, defaultNamespace string, into *policy.Scaling) {
	needles := [][]byte{[]byte("HorizontalPodAutoscaler"), []byte("PodDisruptionBudget")}
	eachDocumentContaining(data, defaultNamespace, needles, func(d *Document) {
		switch b := d.Object.Body.(type) {
		case *autoscalingv2.HorizontalPodAutoscaler:
			into.HPAs = append(into.HPAs, b)
		case *policyv1.PodDisruptionBudget:
			into.PDBs = append(into.PDBs, b)
		}
	})
}

// eachDocumentContaining decodes only the documents of data whose text
// contains one of needles (a cheap pre-pass before the main one) and hands
// each decoded document to fn; decoding errors are left to the main pass.
func eachDocumentContaining(data []byte, defaultNamespace string, needles [][]byte, fn func(*Document)) {
	p := &parser{opts: Options{DefaultNamespace: defaultNamespace}, yield: func(d *Document, _ error) bool {
		if d != nil {
			fn(d)
		}
		return true
	}}
	for _, c := range splitDocuments(data) {
		for _, n := range needles {
			if bytes.Contains(c.data, n) {
				p.chunk(c)
				break
			}
		}
	}
}
