package manifest

import (
	"errors"
	"fmt"

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
	file = DisplayName(file)
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.ValuesFor != "" && opts.ValuesFor != ValuesIstiod && opts.ValuesFor != ValuesGateway {
		return nil, []error{&Error{File: file, Err: fmt.Errorf("unknown values chart %q (want istiod or gateway)", opts.ValuesFor)}}
	}
	if len(data) > MaxFileSize {
		return nil, []error{errAt(file, 1, "file is %d bytes, more than the limit of %d", len(data), MaxFileSize)}
	}
	p := &parser{file: file, opts: opts}
	for _, chunk := range splitDocuments(data) {
		p.chunk(chunk)
	}
	if len(p.docs) == 0 && len(p.errs) == 0 {
		p.errs = append(p.errs, &Error{File: file, Line: 1, Err: ErrNoObjects})
	}
	return p.docs, p.errs
}
