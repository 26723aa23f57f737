package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

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
	// Part is the "---"-separated part of the input the document is in.
	Part Part
	// FieldLine returns the line of a field path like "spec.mtls.mode" or
	// "spec.servers[0].tls", falling back to the nearest existing parent,
	// then Line.
	FieldLine func(path string) int
}

// Part is one "---"-separated part of an input: its text (held only as
// long as the Document is), its byte offset in the input and the line it
// starts on. Redecode decodes it again.
type Part struct {
	Text   []byte
	Offset int64
	Len    int // of Text, kept when Text is let go
	Line   int
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
		if err := opts.check(DisplayName(file), len(data)); err != nil {
			yield(nil, err)
			return
		}
		decodeParts(file, bytes.NewReader(data), len(data), opts, yield)
	}
}

// Stream decodes like Documents while reading r one "---"-separated part
// at a time: only the part being decoded is in memory, whatever the size of
// the input. A part larger than MaxFileSize is an error that ends the input.
func Stream(file string, r io.Reader, opts Options) iter.Seq2[*Document, error] {
	return func(yield func(*Document, error) bool) {
		if err := opts.check(DisplayName(file), 0); err != nil {
			yield(nil, err)
			return
		}
		decodeParts(file, r, MaxFileSize, opts, yield)
	}
}

// decodeParts decodes the parts of r and hands each document or error to yield.
func decodeParts(file string, r io.Reader, limit int, opts Options, yield func(*Document, error) bool) {
	p := newParser(file, opts, yield)
	err := scanDocuments(r, limit, func(c chunk) bool {
		p.chunk(c)
		return !p.stopped
	})
	if !p.stopped {
		p.finish(err, limit)
	}
}

func newParser(file string, opts Options, yield func(*Document, error) bool) *parser {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	return &parser{file: DisplayName(file), opts: opts, yield: yield}
}

// finish hands out the error that ended the scan of an input, or
// ErrNoObjects for an input that held nothing at all.
func (p *parser) finish(err error, limit int) {
	switch {
	case errors.Is(err, errPartTooLarge):
		p.fail(errAt(p.file, 0, "a document is more than the limit of %d bytes", limit))
	case err != nil:
		p.fail(&Error{File: p.file, Err: fmt.Errorf("read: %w", err)})
	case p.emitted == 0:
		p.fail(&Error{File: p.file, Line: 1, Err: ErrNoObjects})
	}
}

// Redecode decodes again the part a document was decoded from (Part.Text),
// yielding the documents it holds (several for a List) as Stream did.
func Redecode(file string, part Part, opts Options) iter.Seq2[*Document, error] {
	return func(yield func(*Document, error) bool) {
		newParser(file, opts, yield).chunk(chunk{data: part.Text, line: part.Line, offset: part.Offset})
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

// Context is what the inputs say about each other, learnt in a cheap first
// pass before their documents are judged one by one: the labels of their
// Namespace objects (also inside Lists), their HorizontalPodAutoscalers and
// PodDisruptionBudgets (a rendered control plane is judged with them), their
// Gateway API HTTPRoutes, GRPCRoutes and TLSRoutes (Gateway listeners are judged with the routes
// attached to them, IGR308) and whether any mentions a DestinationRule or a
// gatewayClassName.
// Only the parts whose text names one of these kinds are decoded; parts
// that fail to decode are skipped (the main pass reports them).
type Context struct {
	// DefaultNamespace is given to namespaced objects without one ("" means "default").
	DefaultNamespace string
	Namespaces       policy.NamespaceLabels
	Scaling          policy.Scaling
	Routes           policy.GatewayRoutes
	// DestinationRules is true when some part's text names the kind.
	DestinationRules bool
	// Gateways is true when some part's text has a gatewayClassName.
	Gateways bool
}

// contextNeedles are the kinds whose parts Context.Read decodes.
var contextNeedles = [][]byte{[]byte("Namespace"), []byte("HorizontalPodAutoscaler"), []byte("PodDisruptionBudget"), []byte("HTTPRoute"), []byte("GRPCRoute"), []byte("TLSRoute")}

// Read adds what the input r holds to c, one part at a time.
func (c *Context) Read(r io.Reader) error {
	if c.Namespaces == nil {
		c.Namespaces = policy.NamespaceLabels{}
	}
	ns := c.DefaultNamespace
	if ns == "" {
		ns = "default"
	}
	p := &parser{opts: Options{DefaultNamespace: ns}, yield: func(d *Document, _ error) bool {
		if d != nil {
			c.add(d)
		}
		return true
	}}
	err := scanDocuments(r, MaxFileSize, func(ch chunk) bool {
		if bytes.Contains(ch.data, []byte("DestinationRule")) {
			c.DestinationRules = true
		}
		if bytes.Contains(ch.data, []byte("gatewayClassName")) {
			c.Gateways = true
		}
		for _, n := range contextNeedles {
			if bytes.Contains(ch.data, n) {
				p.chunk(ch)
				break
			}
		}
		return true
	})
	if errors.Is(err, errPartTooLarge) {
		return nil // the main pass reports it
	}
	return err
}

// add keeps what d contributes to the context.
func (c *Context) add(d *Document) {
	if policy.KindOf(d.Object.GroupKind) == policy.KindNamespace {
		c.Namespaces[d.Object.Meta.Name] = d.Object.Meta.Labels
		return
	}
	switch b := d.Object.Body.(type) {
	case *autoscalingv2.HorizontalPodAutoscaler:
		c.Scaling.HPAs = append(c.Scaling.HPAs, b)
	case *policyv1.PodDisruptionBudget:
		c.Scaling.PDBs = append(c.Scaling.PDBs, b)
	case *gatewayv1.HTTPRoute:
		c.Routes.HTTPRoutes = append(c.Routes.HTTPRoutes, b)
	case *gatewayv1.GRPCRoute:
		c.Routes.GRPCRoutes = append(c.Routes.GRPCRoutes, b)
	case *gatewayv1.TLSRoute:
		c.Routes.TLSRoutes = append(c.Routes.TLSRoutes, b)
	}
}
