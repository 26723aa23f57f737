package manifest

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// segment is one step of a field path: a name (".spec", "[key]") or an index.
type segment struct {
	name  string
	index int // -1 for names
}

// parsePath splits "spec.servers[0].tls" or "metadata.annotations[a.b/c]"
// (the format of k8s.io/apimachinery field.Path) into segments.
func parsePath(p string) []segment {
	var out []segment
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(out, segment{name: p[1:], index: -1})
			}
			s := p[1:end]
			idx, err := strconv.Atoi(s)
			if err != nil || idx < 0 {
				idx = -1
			}
			out = append(out, segment{name: s, index: idx})
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, segment{name: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out
}

// fieldLiner returns a FieldLine function over a document's node tree.
// Lines are computed on demand: documents without findings cost nothing.
func fieldLiner(root *yaml.Node, offset, docLine int) func(string) int {
	return func(path string) int {
		if root == nil {
			return docLine
		}
		n := lookup(root, parsePath(path))
		if n == nil || n.Line == 0 {
			return docLine
		}
		return n.Line + offset
	}
}

// lookup follows segs from n and returns the deepest node reached: the key
// node of a mapping entry, the element of a sequence.
func lookup(n *yaml.Node, segs []segment) *yaml.Node {
	best := n
	for _, s := range segs {
		n = resolve(n)
		next, at := child(n, s)
		if next == nil {
			return best
		}
		best, n = at, next
	}
	return best
}

// resolve follows document and alias nodes.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		default:
			return n
		}
	}
	return n
}

// child returns the value node for s in n and the node whose line marks it.
func child(n *yaml.Node, s segment) (value, at *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if resolve(n.Content[i]).Value == s.name {
				return n.Content[i+1], n.Content[i]
			}
		}
	case yaml.SequenceNode:
		if s.index >= 0 && s.index < len(n.Content) {
			return n.Content[s.index], n.Content[s.index]
		}
	}
	return nil, nil
}
