package manifest

import (
	"bytes"

	yaml "go.yaml.in/yaml/v3"
)

// fastParse builds the yaml.Node tree of one part the way yaml.v3 does, for
// the plain subset of YAML that generated and hand-written manifests mostly
// use: block mappings and sequences with spaces for indentation, one-line
// plain and quoted scalars, one-line flow collections. It reports false for
// anything else (comments, tabs, anchors, aliases, tags, block or
// multi-line scalars, escapes, empty values, directives, non-ASCII or
// control bytes, anything malformed), and the caller then parses the part
// with yaml.v3 itself, so errors and every construct outside the subset are
// yaml.v3's own. The nodes it builds carry what yaml.v3's carry for the
// subset: Kind, Style, Tag, Value, Line, Column and Content (plain scalars
// tagged by yaml.v3's own resolver, through yaml.Node.ShortTag, as its
// parser tags them). TestFastParseMatchesYAML holds the two to the same
// trees.
//
// It exists because yaml.v3's scanner is most of check's CPU time: for the
// subset this is several times faster.
func fastParse(data []byte) (*yaml.Node, bool) {
	for _, b := range data {
		if b == '#' || b == '\t' || b == '\r' || b == '\\' || b >= 0x7f || (b < ' ' && b != '\n') {
			return nil, false
		}
	}
	f := &fastParser{data: data}
	f.nextLine()
	if f.eof {
		return nil, false
	}
	if bytes.HasPrefix(f.line, []byte("---")) {
		if len(bytes.TrimRight(f.line[3:], " ")) > 0 {
			return nil, false
		}
		f.advance()
	}
	if f.eof || f.indent != 0 {
		return nil, false
	}
	root, ok := f.block(0)
	if !ok || !f.eof || root.Kind != yaml.MappingNode {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: 1, Content: []*yaml.Node{root}}, true
}

// node returns a new node of kind at line:col.
func (f *fastParser) node(kind yaml.Kind, line, col int) *yaml.Node {
	if len(f.slab) == 0 {
		f.slab = make([]yaml.Node, 32)
	}
	n := &f.slab[0]
	f.slab = f.slab[1:]
	n.Kind, n.Line, n.Column = kind, line, col
	switch kind {
	case yaml.MappingNode:
		n.Tag = "!!map"
	case yaml.SequenceNode:
		n.Tag = "!!seq"
	}
	return n
}

// scalar returns a scalar node for value, a subslice of f.data, tagged as
// yaml.v3 tags it while parsing: quoted ones !!str, plain ones as its own
// resolver decides (yaml.Node.ShortTag on an untagged node).
func (f *fastParser) scalar(value []byte, style yaml.Style, line, col int) *yaml.Node {
	n := f.node(yaml.ScalarNode, line, col)
	n.Style = style
	n.Value = f.str(value)
	if style != 0 {
		n.Tag = "!!str"
	} else {
		n.Tag = n.ShortTag()
	}
	return n
}

// str returns b as a string of its own (never a substring of the part:
// a kind or a name kept in a report would keep the whole part alive), the
// keys manifests repeat without allocating.
func (f *fastParser) str(b []byte) string {
	if k, ok := commonKeys[string(b)]; ok {
		return k
	}
	return string(b)
}

// commonKeys are the strings most manifests repeat.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec",
		"selector", "matchLabels", "app", "version", "mode", "host", "hosts", "port", "ports", "number", "protocol",
		"containers", "image", "resources", "requests", "limits", "cpu", "memory", "template", "replicas", "tls",
		"trafficPolicy", "connectionPool", "outlierDetection", "http", "tcp", "rules", "from", "to", "source",
		"operation", "principals", "namespaces", "methods", "paths", "action", "servers", "credentialName",
		"mtls", "portLevelMtls", "route", "destination", "subset", "subsets", "STRICT", "ISTIO_MUTUAL", "ALLOW",
		"DENY", "SIMPLE", "HTTPS", "HTTP", "true", "false", "v1", "apps/v1"} {
		m[k] = k
	}
	return m
}()

// fastParser walks the lines of a part. line is the current line without
// its indentation and trailing spaces; lineNo is 1-based.
type fastParser struct {
	data   []byte
	slab   []yaml.Node // nodes are allocated from it, a batch at a time
	pos    int         // start of the next line
	line   []byte
	lineNo int
	indent int
	eof    bool
}

// nextLine moves to the next line that is not blank.
func (f *fastParser) nextLine() {
	for f.pos < len(f.data) {
		end := bytes.IndexByte(f.data[f.pos:], '\n')
		next := len(f.data)
		if end >= 0 {
			next = f.pos + end + 1
			end += f.pos
		} else {
			end = len(f.data)
		}
		l := f.data[f.pos:end]
		f.pos = next
		f.lineNo++
		trimmed := bytes.TrimLeft(l, " ")
		if len(bytes.TrimRight(trimmed, " ")) == 0 {
			continue
		}
		f.indent = len(l) - len(trimmed)
		f.line = bytes.TrimRight(trimmed, " ")
		return
	}
	f.eof, f.line, f.indent = true, nil, -1
}

func (f *fastParser) advance() { f.nextLine() }

// block parses the block node whose first line is the current one, at
// indentation indent.
func (f *fastParser) block(indent int) (*yaml.Node, bool) {
	if isSeqItem(f.line) {
		return f.sequence(indent)
	}
	return f.mapping(indent, f.line)
}

func isSeqItem(l []byte) bool { return len(l) > 0 && l[0] == '-' && (len(l) == 1 || l[1] == ' ') }

// mapping parses a block mapping whose keys are at column indent+1. The
// first entry is text: the current line, or what follows "- " of a
// sequence item.
func (f *fastParser) mapping(indent int, text []byte) (*yaml.Node, bool) {
	m := f.node(yaml.MappingNode, f.lineNo, indent+1)
	for {
		key, rest, ok := f.key(text, indent)
		if !ok {
			return nil, false
		}
		m.Content = append(m.Content, key)
		if len(rest) == 0 {
			// The value is the block on the next lines: deeper, or a
			// sequence at the key's own indentation.
			f.advance()
			switch {
			case f.eof:
				return nil, false
			case f.indent > indent:
				v, ok := f.block(f.indent)
				if !ok {
					return nil, false
				}
				m.Content = append(m.Content, v)
			case f.indent == indent && isSeqItem(f.line):
				v, ok := f.sequence(indent)
				if !ok {
					return nil, false
				}
				m.Content = append(m.Content, v)
			default:
				return nil, false // an empty value
			}
		} else {
			col := indent + len(text) - len(rest) + 1
			v, ok := f.inlineValue(rest, col)
			if !ok {
				return nil, false
			}
			m.Content = append(m.Content, v)
			f.advance()
			if !f.eof && f.indent > indent {
				return nil, false // a multi-line scalar, or bad indentation
			}
		}
		if f.eof || f.indent < indent {
			return m, true
		}
		if f.indent != indent || isSeqItem(f.line) {
			return nil, false
		}
		text = f.line
	}
}

// key parses "key:" or "key: rest" at column indent+1 of the current line.
func (f *fastParser) key(text []byte, indent int) (*yaml.Node, []byte, bool) {
	if len(text) == 0 {
		return nil, nil, false
	}
	var k *yaml.Node
	var rest []byte
	switch text[0] {
	case '\'', '"':
		v, style, n, ok := quoted(text)
		if !ok {
			return nil, nil, false
		}
		k, rest = f.scalar(v, style, f.lineNo, indent+1), text[n:]
		if len(rest) == 0 || rest[0] != ':' {
			return nil, nil, false
		}
		rest = rest[1:]
	default:
		if !plainStart(text) {
			return nil, nil, false
		}
		i := colonSpace(text)
		if i < 0 {
			return nil, nil, false
		}
		name := text[:i]
		if bytes.HasSuffix(name, []byte(" ")) || string(name) == "<<" {
			return nil, nil, false
		}
		k, rest = f.scalar(name, 0, f.lineNo, indent+1), text[i+1:]
	}
	if (len(rest) > 0 && rest[0] != ' ') || len(text)-len(rest) > maxKey {
		return nil, nil, false
	}
	return k, bytes.TrimLeft(rest, " "), true
}

// maxKey bounds the length of an implicit key: yaml.v3 (as libyaml) takes
// no simple key of more than 1024 characters; longer ones are left to it.
const maxKey = 1000

// colonSpace returns the index of the first ':' followed by a space or the
// end of text, or -1.
func colonSpace(text []byte) int {
	for i := 0; i < len(text); i++ {
		if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ') {
			return i
		}
	}
	return -1
}

// plainStart reports whether text may start a plain scalar (YAML's
// indicators may not, "-" only before a space).
func plainStart(text []byte) bool {
	switch text[0] {
	case '-':
		return len(text) > 1 && text[1] != ' '
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// inlineValue parses the value after "key: " or "- " that fills the rest
// of the line, starting at column col.
func (f *fastParser) inlineValue(text []byte, col int) (*yaml.Node, bool) {
	switch text[0] {
	case '{', '[':
		v, n, ok := f.flow(text, col)
		return v, ok && n == len(text)
	case '\'', '"':
		v, style, n, ok := quoted(text)
		if !ok || n != len(text) {
			return nil, false
		}
		return f.scalar(v, style, f.lineNo, col), true
	}
	if !plainStart(text) || colonSpace(text) >= 0 {
		return nil, false
	}
	return f.scalar(text, 0, f.lineNo, col), true
}

// quoted parses a one-line quoted scalar at the start of text (no escapes:
// the part holds no backslash) and returns its value, style and the bytes
// it took.
func quoted(text []byte) ([]byte, yaml.Style, int, bool) {
	q := text[0]
	if q == '"' {
		end := bytes.IndexByte(text[1:], '"')
		if end < 0 {
			return nil, 0, 0, false
		}
		return text[1 : 1+end], yaml.DoubleQuotedStyle, end + 2, true
	}
	for i := 1; i < len(text); i++ {
		if text[i] != '\'' {
			continue
		}
		if i+1 < len(text) && text[i+1] == '\'' {
			return nil, 0, 0, false // '' escapes: left to yaml.v3
		}
		return text[1:i], yaml.SingleQuotedStyle, i + 1, true
	}
	return nil, 0, 0, false
}

// sequence parses a block sequence whose "-" are at column indent+1.
func (f *fastParser) sequence(indent int) (*yaml.Node, bool) {
	s := f.node(yaml.SequenceNode, f.lineNo, indent+1)
	for {
		if f.indent != indent || !isSeqItem(f.line) {
			return nil, false
		}
		if len(f.line) == 1 {
			// "-" alone: the item is the block on the next lines.
			f.advance()
			if f.eof || f.indent <= indent {
				return nil, false
			}
			v, ok := f.block(f.indent)
			if !ok {
				return nil, false
			}
			s.Content = append(s.Content, v)
		} else {
			text := bytes.TrimLeft(f.line[1:], " ")
			col := indent + len(f.line) - len(text)
			switch {
			case isSeqItem(text):
				return nil, false // "- - x"
			case text[0] == '{' || text[0] == '[' || text[0] == '\'' || text[0] == '"' || colonSpace(text) < 0:
				if text[0] == '\'' || text[0] == '"' {
					if _, _, n, ok := quoted(text); ok && n < len(text) {
						// A quoted key: "- 'a': b".
						v, ok := f.mapping(col, text)
						if !ok {
							return nil, false
						}
						s.Content = append(s.Content, v)
						break
					}
				}
				v, ok := f.inlineValue(text, col+1)
				if !ok {
					return nil, false
				}
				s.Content = append(s.Content, v)
				f.advance()
				if !f.eof && f.indent > indent {
					return nil, false
				}
			default:
				// "- key: value": a mapping at the column of key.
				v, ok := f.mapping(col, text)
				if !ok {
					return nil, false
				}
				s.Content = append(s.Content, v)
			}
		}
		if f.eof || f.indent < indent {
			return s, true
		}
		if f.indent > indent {
			return nil, false
		}
		if !isSeqItem(f.line) {
			return s, true // the mapping that holds the sequence goes on
		}
	}
}

// flow parses a one-line flow mapping or sequence starting at text[0]
// (column col) and returns it and the bytes it took.
func (f *fastParser) flow(text []byte, col int) (*yaml.Node, int, bool) {
	open, closer := text[0], byte(']')
	kind := yaml.SequenceNode
	if open == '{' {
		kind, closer = yaml.MappingNode, '}'
	}
	n := f.node(kind, f.lineNo, col)
	n.Style = yaml.FlowStyle
	i := skipSpaces(text, 1)
	if i < len(text) && text[i] == closer {
		return n, i + 1, true
	}
	for {
		if i >= len(text) {
			return nil, 0, false
		}
		item, used, ok := f.flowScalarOrFlow(text[i:], col+i)
		if !ok {
			return nil, 0, false
		}
		i = skipSpaces(text, i+used)
		if open == '{' {
			if item.Kind != yaml.ScalarNode || used > maxKey || i >= len(text) || text[i] != ':' || i+1 >= len(text) || text[i+1] != ' ' {
				return nil, 0, false
			}
			i = skipSpaces(text, i+1)
			if i >= len(text) {
				return nil, 0, false
			}
			val, used, ok := f.flowScalarOrFlow(text[i:], col+i)
			if !ok {
				return nil, 0, false
			}
			n.Content = append(n.Content, item, val)
			i = skipSpaces(text, i+used)
		} else {
			if i < len(text) && text[i] == ':' {
				return nil, 0, false // a single-pair mapping inside a sequence
			}
			n.Content = append(n.Content, item)
		}
		if i >= len(text) {
			return nil, 0, false
		}
		switch text[i] {
		case closer:
			return n, i + 1, true
		case ',':
			i = skipSpaces(text, i+1)
			if i < len(text) && (text[i] == closer || text[i] == ',') {
				return nil, 0, false // a trailing or empty entry
			}
		default:
			return nil, 0, false
		}
	}
}

// flowScalarOrFlow parses one entry of a flow collection.
func (f *fastParser) flowScalarOrFlow(text []byte, col int) (*yaml.Node, int, bool) {
	switch text[0] {
	case '{', '[':
		return f.flow(text, col)
	case '\'', '"':
		v, style, n, ok := quoted(text)
		if !ok {
			return nil, 0, false
		}
		return f.scalar(v, style, f.lineNo, col), n, true
	}
	if !plainStart(text) {
		return nil, 0, false
	}
	end := 0
	for end < len(text) {
		c := text[end]
		if c == ',' || c == '[' || c == ']' || c == '{' || c == '}' {
			break
		}
		if c == ':' {
			if end+1 < len(text) && text[end+1] == ' ' {
				break
			}
			return nil, 0, false // ':' inside a flow plain scalar
		}
		end++
	}
	v := bytes.TrimRight(text[:end], " ")
	if len(v) == 0 {
		return nil, 0, false
	}
	return f.scalar(v, 0, f.lineNo, col), len(v), true
}

func skipSpaces(text []byte, i int) int {
	for i < len(text) && text[i] == ' ' {
		i++
	}
	return i
}
