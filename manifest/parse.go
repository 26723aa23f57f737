package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// valuesVersion is the version given to the synthetic values kinds.
const valuesVersion = "v1alpha1"

// parser decodes the documents of one file and hands each document or error
// to yield as soon as it is decoded.
type parser struct {
	file    string
	opts    Options
	yield   func(*Document, error) bool
	stopped bool // yield returned false: emit nothing more
	emitted int  // documents and errors handed out
	part    Part // the part being decoded
}

// emit hands a document or an error to the consumer.
func (p *parser) emit(d *Document, err error) {
	if p.stopped {
		return
	}
	p.emitted++
	p.stopped = !p.yield(d, err)
}

// fail hands out an error.
func (p *parser) fail(err error) { p.emit(nil, err) }

// chunk decodes one "---"-separated part of the file.
func (p *parser) chunk(c chunk) {
	p.part = Part{Text: c.data, Offset: c.offset, Len: len(c.data), Line: c.line}
	offset := c.line - 1
	root, ok := fastParse(c.data)
	if !ok {
		root = &yaml.Node{}
		if err := yaml.Unmarshal(c.data, root); err != nil {
			p.fail(p.yamlError(err, offset, c.line))
			return
		}
	}
	top := resolve(root)
	if top == nil || top.Kind == 0 || top.Kind == yaml.DocumentNode || isNull(top) {
		return // empty document: only comments or whitespace
	}
	if top.Kind != yaml.MappingNode {
		p.fail(&Error{File: p.file, Line: top.Line + offset, Err: untypedErr("document must be an object, got %s", describe(top))})
		return
	}
	p.object(top, offset)
}

// yamlLine matches the position yaml.v3 puts in its error messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError turns a yaml.v3 error into an *Error with the file's line.
func (p *parser) yamlError(err error, offset, chunkLine int) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return errAt(p.file, n+offset, "invalid YAML: %s", msg[len(m[0]):])
	}
	return errAt(p.file, chunkLine, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// object decodes one mapping: a List is expanded, anything else becomes a Document.
func (p *parser) object(n *yaml.Node, offset int) {
	line := n.Line + offset
	apiVersion, kind := scalarField(n, "apiVersion"), scalarField(n, "kind")
	// Values files have no apiVersion (the gateway chart even has a "kind" key).
	if apiVersion == "" && p.opts.ValuesFor != "" {
		p.add(p.values(n, offset))
		return
	}
	if apiVersion == "" || kind == "" {
		p.fail(&Error{File: p.file, Line: line, Err: untypedErr("document has no apiVersion or kind (for Helm values files use --values-for istiod|gateway)")})
		return
	}
	if strings.HasSuffix(kind, "List") {
		if items := fieldNode(n, "items"); items != nil && items.Kind == yaml.SequenceNode {
			p.list(items, offset)
			return
		}
	}
	p.add(p.typed(n, offset, apiVersion, kind))
}

func (p *parser) add(d *Document, err error) {
	if err != nil {
		p.fail(err)
		return
	}
	p.emit(d, nil)
}

// list expands the items of a List.
func (p *parser) list(items *yaml.Node, offset int) {
	for _, it := range items.Content {
		it = resolve(it)
		if it.Kind != yaml.MappingNode {
			p.fail(errAt(p.file, it.Line+offset, "list item must be an object, got %s", describe(it)))
			continue
		}
		p.object(it, offset)
	}
}

// typed decodes an object of a known or unknown kind.
func (p *parser) typed(n *yaml.Node, offset int, apiVersion, kind string) (*Document, error) {
	line := n.Line + offset
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, errAt(p.file, line, "invalid apiVersion %q: %w", apiVersion, err)
	}
	raw, err := toJSON(n)
	if err != nil {
		return nil, p.posErr(err, offset, line)
	}
	doc := p.newDoc(n, offset, raw)
	info, known := kinds()[gv.WithKind(kind)]
	obj := &policy.Object{GroupKind: schema.GroupKind{Group: gv.Group, Kind: kind}, Version: gv.Version}
	doc.Object = obj
	if !known {
		obj.Meta, err = headMeta(raw)
		if err != nil {
			return nil, p.decodeErr(err, doc)
		}
		p.defaultNamespace(obj)
		return doc, nil
	}
	stored := raw
	if info.unknown != nil {
		obj.UnknownFields = info.unknown(raw) // decode ignores them, as the API server prunes them
	}
	if info.spec != nil {
		w := walkIstio(n, info.spec)
		if len(w.errs) > 0 {
			return nil, p.posErr(w.errs[0], offset, line)
		}
		obj.UnknownFields = w.unknown
		if len(w.prune) > 0 {
			// Judge the object as the API server stores it: without the
			// fields its schema does not define.
			if stored, err = toPrunedJSON(n, w.prune); err != nil {
				return nil, p.posErr(err, offset, line)
			}
		}
	}
	if obj.Meta, obj.Body, err = info.decode(stored); err != nil {
		return nil, p.decodeErr(err, doc)
	}
	p.defaultNamespace(obj)
	return doc, nil
}

// values builds a Helm values document for the chart in Options.ValuesFor.
func (p *parser) values(n *yaml.Node, offset int) (*Document, error) {
	raw, err := toJSON(n)
	if err != nil {
		return nil, p.posErr(err, offset, n.Line+offset)
	}
	doc := p.newDoc(n, offset, raw)
	var body map[string]any
	if err := unmarshal(raw, &body); err != nil {
		return nil, p.decodeErr(err, doc)
	}
	kind := policy.KindIstiodValues
	if p.opts.ValuesFor == ValuesGateway {
		kind = policy.KindGatewayValues
	}
	name := strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
	doc.Object = &policy.Object{GroupKind: kind.GroupKind(), Version: valuesVersion, Meta: &metav1.ObjectMeta{Name: name}, Body: body}
	return doc, nil
}

func (p *parser) newDoc(n *yaml.Node, offset int, raw []byte) *Document {
	line := n.Line + offset
	return &Document{File: p.file, Line: line, Raw: raw, Part: p.part, FieldLine: fieldLiner(n, offset, line)}
}

func (p *parser) defaultNamespace(obj *policy.Object) {
	if obj.Meta == nil {
		obj.Meta = &metav1.ObjectMeta{}
	}
	if obj.Meta.Namespace == "" && !clusterScoped[obj.GroupKind] {
		obj.Meta.Namespace = p.opts.DefaultNamespace
	}
}

// posErr converts a conversion error to an *Error with the file's line.
func (p *parser) posErr(err error, offset, line int) error {
	var pe *posError
	if errors.As(err, &pe) && pe.line > 0 {
		return &Error{File: p.file, Line: pe.line + offset, Err: pe.err}
	}
	return &Error{File: p.file, Line: line, Err: err}
}

// decodeErr reports a typed-decoding error at the line of the offending field
// when the decoder names it.
func (p *parser) decodeErr(err error, doc *Document) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errAt(p.file, doc.FieldLine(te.Field), "%s: must be %s, got a JSON %s", te.Field, te.Type, te.Value)
	}
	return &Error{File: p.file, Line: doc.Line, Err: fmt.Errorf("cannot decode %s: %w", kindOf(doc), err)}
}

func kindOf(doc *Document) string {
	if doc.Object == nil {
		return "document"
	}
	return doc.Object.GroupKind.Kind
}

// headMeta decodes only the metadata of an object of a kind no rule types.
func headMeta(raw []byte) (*metav1.ObjectMeta, error) {
	var head struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := unmarshal(raw, &head); err != nil {
		return nil, err
	}
	return &head.Metadata, nil
}

// fieldNode returns the value of key in mapping n, or nil.
func fieldNode(n *yaml.Node, key string) *yaml.Node {
	v := mapValue(n, key)
	return resolve(v)
}

// scalarField returns the value of a string key of n, or "" (also for
// non-string values such as `apiVersion: 1`, which the API server rejects).
func scalarField(n *yaml.Node, key string) string {
	v := fieldNode(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return ""
	}
	return v.Value
}
