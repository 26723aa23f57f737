package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// topLevelKeys are the keys an Istio object may have at its root.
var topLevelKeys = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true, "status": true}

// specWalker checks an Istio document against the protobuf descriptor of its
// spec: fields the API does not define are collected as unknown (the API
// server would prune them), and values of the wrong shape as errors with the
// line they are on.
type specWalker struct {
	unknown []policy.UnknownField
	// prune holds the key nodes of the unknown fields, to leave them out of
	// the JSON the spec is decoded from.
	prune map[*yaml.Node]bool
	errs  []error
}

// pruneField records an unknown field at path whose key node is k.
func (w *specWalker) pruneField(k *yaml.Node, f policy.UnknownField) {
	if w.prune == nil {
		w.prune = map[*yaml.Node]bool{}
	}
	w.prune[k] = true
	w.unknown = append(w.unknown, f)
}

// walkIstio checks the root mapping of an Istio document.
func walkIstio(root *yaml.Node, spec protoreflect.MessageDescriptor) *specWalker {
	w := &specWalker{}
	root = resolve(root)
	if root == nil || root.Kind != yaml.MappingNode {
		return w
	}
	pairs, err := mappingPairs(root, 0)
	if err != nil {
		w.errs = append(w.errs, err)
		return w
	}
	for _, p := range pairs {
		switch {
		case p.key == "spec":
			w.message(p.value, spec, "spec", 0)
		case !topLevelKeys[p.key]:
			w.pruneField(p.keyN, policy.UnknownField{Path: p.key})
		}
	}
	if len(w.unknown) > 1 {
		slices.SortFunc(w.unknown, func(a, b policy.UnknownField) int { return strings.Compare(a.Path, b.Path) })
	}
	return w
}

// leaf reports whether a message is a google.protobuf well-known type
// (Struct, Value, Duration, wrappers, Any ...), whose JSON form is not a
// plain object of its fields.
func leaf(md protoreflect.MessageDescriptor) bool {
	return strings.HasPrefix(string(md.FullName()), "google.protobuf.")
}

// durationName is the well-known Duration type.
const durationName = "google.protobuf.Duration"

func (w *specWalker) message(n *yaml.Node, md protoreflect.MessageDescriptor, path string, depth int) {
	n = resolve(n)
	if isNull(n) || depth > maxDepth {
		return
	}
	if leaf(md) {
		if md.FullName() == durationName {
			w.duration(n, path)
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		w.wrongType(n, path, "an object")
		return
	}
	pairs, err := mappingPairs(n, depth)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	fields := md.Fields()
	for _, p := range pairs {
		child := path + "." + p.key
		// The CRD schema is generated from the JSON names only: a proto name
		// (connect_timeout) is pruned by the API server, although protojson
		// and Istio's jsonpb would both accept it.
		fd := fields.ByJSONName(p.key)
		if fd == nil {
			f := policy.UnknownField{Path: child}
			if byName := fields.ByName(protoreflect.Name(p.key)); byName != nil {
				f.JSONName = byName.JSONName()
			}
			w.pruneField(p.keyN, f)
			continue
		}
		w.field(p.value, fd, child, depth+1)
	}
}

// duration checks a google.protobuf.Duration: the CRD schema types it as a
// string checked with CEL's duration(), and istiod decodes it with Go's
// time.ParseDuration (jsonpb), so "30ms", "1m" and "1h30m" are all valid.
func (w *specWalker) duration(n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || yaml11Kind(n) != "" {
		w.wrongType(n, path, "a duration string such as 30ms, 5s or 1h30m")
		return
	}
	if _, err := time.ParseDuration(n.Value); err != nil {
		w.errs = append(w.errs, fail(n, "%s: invalid duration %q (use Go-style units: 30ms, 5s, 1m, 1h30m)", path, n.Value))
	}
}

func (w *specWalker) field(n *yaml.Node, fd protoreflect.FieldDescriptor, path string, depth int) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	switch {
	case fd.IsMap():
		w.mapField(n, fd, path, depth)
	case fd.IsList():
		if n.Kind != yaml.SequenceNode {
			w.wrongType(n, path, "a list")
			return
		}
		for i, e := range n.Content {
			w.single(e, fd, path+"["+strconv.Itoa(i)+"]", depth+1)
		}
	default:
		w.single(n, fd, path, depth)
	}
}

func (w *specWalker) mapField(n *yaml.Node, fd protoreflect.FieldDescriptor, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		w.wrongType(n, path, "an object")
		return
	}
	pairs, err := mappingPairs(n, depth)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	for _, p := range pairs {
		w.single(p.value, fd.MapValue(), path+"["+p.key+"]", depth+1)
	}
}

// single checks one value (not a list or map) of field fd.
func (w *specWalker) single(n *yaml.Node, fd protoreflect.FieldDescriptor, path string, depth int) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(n, fd.Message(), path, depth)
	case protoreflect.EnumKind:
		w.enum(n, fd.Enum(), path)
	default:
		if n.Kind != yaml.ScalarNode {
			w.wrongType(n, path, "a "+scalarName(fd.Kind()))
			return
		}
		w.scalarType(n, fd, path)
	}
}

// scalarType checks that a plain scalar resolves (by YAML 1.1, as kubectl
// reads it) to the JSON type the CRD schema requires: `on` or `yes` given
// to a string field is a boolean, which the API server rejects.
func (w *specWalker) scalarType(n *yaml.Node, fd protoreflect.FieldDescriptor, path string) {
	got := yaml11Kind(n)
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		if got == "boolean" {
			w.errs = append(w.errs, fail(n, "%s: must be a string, got boolean %q (YAML 1.1, as kubectl reads it, takes yes/no/on/off/y/n as booleans: quote it)", path, n.Value))
		}
	case protoreflect.BoolKind:
		if got != "boolean" {
			w.errs = append(w.errs, fail(n, "%s: must be a boolean, got %s", path, describe(n)))
		}
	}
}

func (w *specWalker) enum(n *yaml.Node, ed protoreflect.EnumDescriptor, path string) {
	if n.Kind != yaml.ScalarNode {
		w.wrongType(n, path, "one of "+enumNames(ed))
		return
	}
	// The CRD schema types enums as strings with the value names: a number
	// is rejected by the API server (although protojson would take it).
	if yaml11Kind(n) == "" && ed.Values().ByName(protoreflect.Name(n.Value)) != nil {
		return
	}
	w.errs = append(w.errs, fail(n, "%s: unsupported value %q (want one of %s)", path, n.Value, enumNames(ed)))
}

func (w *specWalker) wrongType(n *yaml.Node, path, want string) {
	w.errs = append(w.errs, fail(n, "%s: must be %s, got %s", path, want, describe(n)))
}

// describe renders a node for an error message: `string "STRICT"`, `a list`.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	}
	tag := strings.TrimPrefix(n.ShortTag(), "!!")
	if tag == "str" {
		tag = "string"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("%s %q", tag, v)
}

func scalarName(k protoreflect.Kind) string {
	switch k {
	case protoreflect.BoolKind:
		return "boolean"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "string"
	}
	return "number"
}

func enumNames(ed protoreflect.EnumDescriptor) string {
	vals := ed.Values()
	names := make([]string, 0, vals.Len())
	for i := 0; i < vals.Len(); i++ {
		names = append(names, string(vals.Get(i).Name()))
	}
	return strings.Join(names, ", ")
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}
