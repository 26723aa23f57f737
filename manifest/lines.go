package manifest

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// fieldLiner returns a FieldLine function over a document's node tree.
// Lines are computed on demand: documents without findings cost nothing.
func fieldLiner(root *yaml.Node, offset, docLine int) func(string) int {
	return func(path string) int {
		if root == nil {
			return docLine
		}
		n, _ := lookup(resolve(root), root, path, 0)
		if n == nil || n.Line == 0 {
			return docLine
		}
		return n.Line + offset
	}
}

// lookup finds the field whose k8s.io/apimachinery field.Path renders as
// path ("spec.servers[0].tls", "metadata.annotations[a.b/c]") and returns
// the node whose line marks it (the key node of a mapping entry, the element
// of a sequence), or the deepest ancestor found, with how much of path it
// matched. n is the value node under at, which path[:done] names.
//
// A field.Path exposes no elements, only its rendering (and Index and Key
// render alike), so the path is not split back into names: the tree is walked,
// each mapping key k extending the rendering as a child (".k") or a map key
// ("[k]"), each sequence element i as "[i]", and only extensions that match
// path up to an element boundary are followed. Names holding '.' or keys
// holding ']' are found as they were rendered. Of two fields that render
// alike ("a.b" and "a" then "b"), the first in document order wins. Each
// step visits a distinct node of the alias-expanded tree, which the decoder
// caps at maxNodes.
func lookup(n, at *yaml.Node, path string, done int) (*yaml.Node, int) {
	best, bestDone := at, done
	follow := func(value, mark *yaml.Node, parts ...string) {
		end := done
		for _, s := range parts {
			if !strings.HasPrefix(path[end:], s) {
				return
			}
			end += len(s)
		}
		if end == done || (end < len(path) && path[end] != '.' && path[end] != '[') {
			return
		}
		if got, d := lookup(resolve(value), mark, path, end); d > bestDone {
			best, bestDone = got, d
		}
	}
	if done == len(path) || n == nil {
		return best, bestDone
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			k := resolve(key).Value
			if done == 0 {
				follow(n.Content[i+1], key, k)
			} else {
				follow(n.Content[i+1], key, ".", k)
			}
			follow(n.Content[i+1], key, "[", k, "]")
		}
	case yaml.SequenceNode:
		if !strings.HasPrefix(path[done:], "[") {
			break
		}
		for i, e := range n.Content {
			follow(e, e, "[", strconv.Itoa(i), "]")
		}
	}
	return best, bestDone
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if resolve(n.Content[i]).Value == key {
			return n.Content[i+1]
		}
	}
	return nil
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
