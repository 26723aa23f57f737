package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// decode decodes one GuardrailConfig document strictly over the defaults. It
// returns every problem, each with its line: the decoder's (unknown keys,
// values of the wrong type) and the scalars yaml.v3 would coerce silently
// (see walk), and positions to find the line of a field path.
func decode(data []byte) (*GuardrailConfig, positions, []problem, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, nil, fmt.Errorf("invalid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, nil, fmt.Errorf("line %d: a GuardrailConfig file holds exactly one document", extra.Line)
	}
	if len(root.Content) == 0 {
		return nil, nil, nil, errors.New("empty document: want apiVersion: " + APIVersion + ", kind: " + Kind)
	}
	w := &walker{pos: positions{}, types: map[string]reflect.Type{}}
	w.walk(root.Content[0], reflect.TypeFor[GuardrailConfig](), nil, "")
	doc := defaultDocument()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	var problems []problem
	if err := strict.Decode(doc); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, nil, nil, fmt.Errorf("invalid YAML: %w", err)
		}
		for _, msg := range te.Errors {
			problems = append(problems, w.rewrite(msg))
		}
	}
	return doc, w.pos, append(problems, w.problems...), nil
}

// defaultDocument is what a document decodes over: the defaults (see Default).
func defaultDocument() *GuardrailConfig {
	return &GuardrailConfig{
		Exemptions: Exemptions{Namespaces: []string{}, AllowedRules: []string{}},
		Mutation:   Mutation{Namespaces: true, SkipNamespaces: []string{}},
	}
}

// positions maps a field path, as field.Path renders it, to its line.
type positions map[string]int

func child(path *field.Path, key string) *field.Path {
	if path == nil {
		return field.NewPath(key)
	}
	return path.Child(key)
}

// line returns the line of path; 1 (the document) for one not written.
func (p positions) line(path string) int {
	if l, ok := p[path]; ok {
		return l
	}
	return 1
}

// keyAt returns the innermost key path written at line, ending in key
// unless key is "", and "" if there is none.
func (p positions) keyAt(line int, key string) string {
	found := ""
	for path, l := range p {
		if l != line || strings.HasSuffix(path, "]") || key != "" && path != key && !strings.HasSuffix(path, "."+key) {
			continue
		}
		if len(path) > len(found) || len(path) == len(found) && path < found {
			found = path
		}
	}
	return found
}

var (
	lineMsg      = regexp.MustCompile(`^line (\d+): (.*)$`)
	notFound     = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (.*)$`)
	cannotDecode = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.*)$")
)

// rewrite turns one of yaml.v3's messages into ours, naming the key's path
// and, for an unknown key, the keys allowed there (from the type yaml.v3
// names, one the walk went through).
func (w *walker) rewrite(msg string) problem {
	if m := notFound.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		where := cmp.Or(w.pos.keyAt(line, m[2]), m[2])
		switch t := w.types[m[3]]; {
		case t == rulesType():
			return problem{line, where + ": unknown rule (see `istio-guardrail rules`)"}
		case t == mutatorsType():
			return problem{line, where + ": unknown mutator (see `istio-guardrail rules`)"}
		case t != nil && len(yamlKeys(t)) > 0:
			return problem{line, where + ": unknown key (known keys: " + strings.Join(yamlKeys(t), ", ") + ")"}
		}
		return problem{line, where + ": unknown key (there are none)"}
	}
	if m := cannotDecode.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		what := describeValue(m[2], m[3]) + " is not " + describeType(m[4])
		if k := w.pos.keyAt(line, ""); k != "" {
			what = k + ": " + what
		}
		return problem{line, what}
	}
	if m := lineMsg.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return problem{line, m[2]}
	}
	return problem{1, msg}
}

// yamlKeys lists the keys of struct t, inline structs expanded.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for _, k := range keyTags(t) {
		out = append(out, k.name)
	}
	return out
}

func describeValue(tag, text string) string {
	switch tag {
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	}
	return strconv.Quote(text)
}

func describeType(goType string) string {
	switch goType {
	case "bool", "*bool":
		return "true or false"
	case "int":
		return "an integer"
	case "float64":
		return "a number"
	case "string", "policy.Action":
		return "a string"
	case "[]string":
		return "a list of strings"
	case "time.Duration":
		return "a duration (e.g. 10s, 1m30s)"
	}
	return "a mapping"
}

// walker records the line of every key and list item of a document and the
// scalars yaml.v3 decodes without complaint but a GuardrailConfig does not
// accept: a number with a fraction for an integer (yaml.v3 truncates it),
// yes/no/on/off for a boolean (YAML 1.1 words: write true or false), a null
// list item (dropped), null for a scalar (left at its default), an integer
// beyond 32 bits, a negative duration and an invalid quantity.
type walker struct {
	pos      positions
	problems []problem
	types    map[string]reflect.Type // the struct types of mappings walked, by name
}

// walk walks node n decoded into type t (nil: a key t does not have).
func (w *walker) walk(n *yaml.Node, t reflect.Type, path *field.Path, tag reflect.StructTag) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(line int, path *field.Path, msg string) {
		w.problems = append(w.problems, problem{line, path.String() + ": " + msg})
	}
	switch n.Kind {
	case yaml.MappingNode:
		if t != nil {
			w.types[structType(t).String()] = structType(t)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			var ft reflect.Type
			var ftag reflect.StructTag
			if t != nil {
				ft, ftag = structField(t, k.Value)
			}
			w.pos[child(path, k.Value).String()] = k.Line
			w.walk(n.Content[i+1], ft, child(path, k.Value), ftag)
		}
		return
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.pos[path.Index(i).String()] = c.Line
			var et reflect.Type
			if t != nil && t.Kind() == reflect.Slice {
				et = t.Elem()
			}
			w.walk(c, et, path.Index(i), "")
		}
		return
	}
	if t == nil || n.Kind != yaml.ScalarNode {
		return // the decoder reports a wrong kind
	}
	switch {
	case n.Tag == "!!null":
		if k := t.Kind(); k == reflect.String || k == reflect.Bool || k == reflect.Int || k == reflect.Int64 || k == reflect.Float64 {
			bad(n.Line, path, "is null, not "+describeType(t.String()))
		}
	case t == reflect.TypeFor[time.Duration]():
		if d, err := time.ParseDuration(n.Value); err == nil && d < 0 {
			bad(n.Line, path, fmt.Sprintf("%q is negative", n.Value))
		}
	case t.Kind() == reflect.Bool && n.Tag == "!!str" && yaml11Bool[strings.ToLower(n.Value)]:
		bad(n.Line, path, fmt.Sprintf("%q is not true or false", n.Value))
	case t.Kind() == reflect.Int && n.Tag == "!!float":
		bad(n.Line, path, fmt.Sprintf("%q is not an integer", n.Value))
	case t.Kind() == reflect.Int && n.Tag == "!!int":
		if _, err := strconv.ParseInt(n.Value, 0, 32); err != nil {
			bad(n.Line, path, fmt.Sprintf("%q is out of range", n.Value))
		}
	case tag.Get("type") == "quantity":
		if _, err := resource.ParseQuantity(n.Value); err != nil {
			bad(n.Line, path, fmt.Sprintf("%q is not a valid quantity (e.g. 100m, 128Mi)", n.Value))
		}
	}
}

// yaml11Bool are the YAML 1.1 words yaml.v3 decodes into a bool.
var yaml11Bool = map[string]bool{"y": true, "yes": true, "on": true, "n": true, "no": true, "off": true}

// structType is the struct a rules or mutators section decodes into, else t.
func structType(t reflect.Type) reflect.Type {
	switch t {
	case reflect.TypeFor[Rules]():
		return rulesType()
	case reflect.TypeFor[Mutators]():
		return mutatorsType()
	}
	return t
}

// structField is the type and tag of key in t, a struct (rules and mutators
// as in sectionType) or a map; nil when t has no such key.
func structField(t reflect.Type, key string) (reflect.Type, reflect.StructTag) {
	switch t = structType(t); t.Kind() {
	case reflect.Map:
		return t.Elem(), ""
	case reflect.Struct:
	default:
		return nil, ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			if ft, tag := structField(f.Type, key); ft != nil {
				return ft, tag
			}
			continue
		}
		if name == key && name != "-" {
			return f.Type, f.Tag
		}
	}
	return nil, ""
}

// problem is a decoding problem at a line.
type problem struct {
	line int
	msg  string
}

// render puts problems and field errors in line order, each with its line.
func render(pos positions, problems []problem, errs field.ErrorList) error {
	for _, e := range errs {
		problems = append(problems, problem{pos.line(e.Field), e.Error()})
	}
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	out := make([]error, len(problems))
	for i, p := range problems {
		out[i] = fmt.Errorf("line %d: %s", p.line, p.msg)
	}
	return errors.Join(out...)
}
