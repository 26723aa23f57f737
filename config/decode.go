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
// (see checkScalars), and positions to find the line of a field path.
func decode(data []byte) (*GuardrailConfig, positions, []string, error) {
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
	doc := defaultDocument()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	var problems []string
	if err := strict.Decode(doc); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, nil, nil, fmt.Errorf("invalid YAML: %w", err)
		}
		problems = te.Errors
	}
	pos := positions{}
	pos.index(root.Content[0], nil)
	for i, p := range problems {
		problems[i] = pos.rewrite(p)
	}
	checkScalars(root.Content[0], reflect.TypeFor[GuardrailConfig](), nil, "", &problems)
	return doc, pos, problems, nil
}

// defaultDocument is what an empty document decodes to: the defaults.
func defaultDocument() *GuardrailConfig {
	return &GuardrailConfig{
		Exemptions: Exemptions{Namespaces: []string{}, AllowedRules: []string{}},
		Mutation:   Mutation{Namespaces: true, SkipNamespaces: []string{}},
	}
}

// positions maps a field path (as field.Path renders it) to its line, and a
// line to the keys written on it.
type positions map[string]int

func (p positions) index(n *yaml.Node, path *field.Path) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			c := child(path, k.Value)
			p[c.String()] = k.Line
			p.index(n.Content[i+1], c)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p[path.Index(i).String()] = c.Line
			p.index(c, path.Index(i))
		}
	}
}

func child(path *field.Path, key string) *field.Path {
	if path == nil {
		return field.NewPath(key)
	}
	return path.Child(key)
}

// line returns the line of path, or of its closest written parent.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// pathAt returns the path of key written at line, "" if none or ambiguous.
func (p positions) pathAt(line int, key string) string {
	var found string
	for path, l := range p {
		if l == line && (path == key || strings.HasSuffix(path, "."+key)) {
			if found != "" {
				return ""
			}
			found = path
		}
	}
	return found
}

// keyAt returns the innermost key written at line, "" if none.
func (p positions) keyAt(line int) string {
	found := ""
	for path, l := range p {
		if l == line && !strings.HasSuffix(path, "]") && (len(path) > len(found) || len(path) == len(found) && path < found) {
			found = path
		}
	}
	return found
}

var (
	notFound     = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (.*)$`)
	linePrefix   = regexp.MustCompile(`^line (\d+):`)
	cannotDecode = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.*)$")
)

// rewrite turns one of yaml.v3's messages into ours: the key's path and, for
// an unknown key, the keys allowed there.
func (p positions) rewrite(msg string) string {
	if m := notFound.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		where := p.pathAt(line, m[2])
		if where == "" {
			where = m[2]
		}
		parent, _, _ := strings.Cut(where, "."+m[2])
		switch {
		case parent == "rules" || parent == "mutators":
			return fmt.Sprintf("line %s: %s: unknown %s %q (see `istio-guardrail rules`)", m[1], where, strings.TrimSuffix(parent, "s"), m[2])
		case where == m[2]:
			return fmt.Sprintf("line %s: unknown key %q (known keys: %s)", m[1], m[2], strings.Join(yamlKeys(reflect.TypeFor[GuardrailConfig]()), ", "))
		}
		return fmt.Sprintf("line %s: %s: unknown key %q in %s (known keys: %s)", m[1], where, m[2], parent, knownKeysAt(parent))
	}
	if m := cannotDecode.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		where := ""
		if w := p.keyAt(line); w != "" {
			where = " " + w + ":"
		}
		return fmt.Sprintf("line %s:%s %s is not %s", m[1], where, describeValue(m[2], m[3]), describeType(m[4]))
	}
	return msg
}

// knownKeysAt lists the keys allowed in the mapping at path.
func knownKeysAt(path string) string {
	t := typeAt(path)
	if t == nil {
		return "(none)"
	}
	keys := yamlKeys(t)
	if len(keys) == 0 {
		return "(none)"
	}
	return strings.Join(keys, ", ")
}

// typeAt returns the struct type decoded at a path such as rules.IGR101.params.
func typeAt(path string) reflect.Type {
	parts := strings.Split(path, ".")
	t := reflect.TypeFor[GuardrailConfig]()
	for _, part := range parts {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t, _ = structField(t, part); t == nil {
			return nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// yamlKeys lists the keys of struct t, inline structs expanded.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			out = append(out, yamlKeys(f.Type)...)
		case name != "-" && f.IsExported():
			out = append(out, name)
		}
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

// checkScalars reports, with their paths, the scalars yaml.v3 decodes
// without complaint but the GuardrailConfig does not accept: a number with a
// fraction for an integer (yaml.v3 truncates it), yes/no/on/off for a
// boolean (YAML 1.1 words: write true or false), a null list item (dropped),
// a negative duration, and an invalid resource quantity.
func checkScalars(n *yaml.Node, t reflect.Type, path *field.Path, tag reflect.StructTag, out *[]string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	bad := func(msg string) { *out = append(*out, fmt.Sprintf("line %d: %s: %s", n.Line, path, msg)) }
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.MappingNode && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if ft, ftag := structField(t, key); ft != nil {
				checkScalars(n.Content[i+1], ft, child(path, key), ftag, out)
			}
		}
		return
	}
	if n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice {
		for i, c := range n.Content {
			if c.Kind == yaml.ScalarNode && c.Tag == "!!null" {
				*out = append(*out, fmt.Sprintf("line %d: %s: is null, not a string", c.Line, path.Index(i)))
				continue
			}
			checkScalars(c, t.Elem(), path.Index(i), "", out)
		}
		return
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return // the decoder reports a wrong kind; null leaves the default
	}
	switch {
	case t == reflect.TypeFor[time.Duration]():
		if d, err := time.ParseDuration(n.Value); err == nil && d < 0 {
			bad(fmt.Sprintf("%q is negative", n.Value))
		}
	case t.Kind() == reflect.Bool && n.Tag == "!!str" && yaml11Bool[strings.ToLower(n.Value)]:
		bad(fmt.Sprintf("%q is not true or false", n.Value))
	case t.Kind() == reflect.Int && n.Tag == "!!float":
		bad(fmt.Sprintf("%q is not an integer", n.Value))
	case tag.Get("type") == "quantity":
		if _, err := resource.ParseQuantity(n.Value); err != nil {
			bad(fmt.Sprintf("%q is not a valid quantity (e.g. 100m, 128Mi)", n.Value))
		}
	}
}

// yaml11Bool are the YAML 1.1 words yaml.v3 decodes into a bool.
var yaml11Bool = map[string]bool{"y": true, "yes": true, "on": true, "n": true, "no": true, "off": true}

// structField is the type and tag of key in t, a struct (rules and mutators
// as in sectionType) or a map; nil when t has no such key.
func structField(t reflect.Type, key string) (reflect.Type, reflect.StructTag) {
	switch t {
	case reflect.TypeFor[Rules]():
		t = rulesType()
	case reflect.TypeFor[Mutators]():
		t = mutatorsType()
	}
	switch t.Kind() {
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

// render puts problems and field errors in line order, each with its line.
func render(pos positions, problems []string, errs field.ErrorList) error {
	type item struct {
		line int
		text string
	}
	var all []item
	for _, p := range problems {
		l := 0
		if m := linePrefix.FindStringSubmatch(p); m != nil {
			l, _ = strconv.Atoi(m[1])
		}
		all = append(all, item{l, p})
	}
	for _, e := range errs {
		l := pos.line(e.Field)
		all = append(all, item{l, fmt.Sprintf("line %d: %s", l, e.Error())})
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b item) int { return cmp.Compare(a.line, b.line) })
	out := make([]error, len(all))
	for i, it := range all {
		out[i] = errors.New(it.text)
	}
	return errors.Join(out...)
}
