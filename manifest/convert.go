package manifest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits that keep hostile input from exhausting memory or the stack.
const (
	// maxDepth is the deepest nesting of mappings and sequences accepted.
	maxDepth = 200
	// maxNodes caps the nodes visited per document, aliases expanded
	// (the "billion laughs" guard).
	maxNodes = 4 << 20
)

// posError is a conversion error at a line of the chunk.
type posError struct {
	line int
	err  error
}

func (e *posError) Error() string { return e.err.Error() }

// converter renders a YAML node tree as JSON, checking duplicate keys,
// depth and alias expansion on the way.
type converter struct {
	buf   []byte
	nodes int
	// prune holds the key nodes of fields the API server would drop
	// (unknown to the CRD schema): their pairs are left out.
	prune map[*yaml.Node]bool
}

// toJSON converts n to JSON.
func toJSON(n *yaml.Node) ([]byte, error) { return toPrunedJSON(n, nil) }

// toPrunedJSON converts n to JSON without the pairs whose key node is in prune.
func toPrunedJSON(n *yaml.Node, prune map[*yaml.Node]bool) ([]byte, error) {
	c := &converter{buf: make([]byte, 0, 1024), prune: prune}
	if err := c.value(n, 0); err != nil {
		return nil, err
	}
	return c.buf, nil
}

func fail(n *yaml.Node, format string, args ...any) error {
	return &posError{line: n.Line, err: fmt.Errorf(format, args...)}
}

func (c *converter) value(n *yaml.Node, depth int) error {
	c.nodes++
	if c.nodes > maxNodes {
		return fail(n, "document too large: more than %d nodes (after expanding aliases)", maxNodes)
	}
	if depth > maxDepth {
		return fail(n, "document nested deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf = append(c.buf, "null"...)
			return nil
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return fail(n, "unknown alias %q", n.Value)
		}
		return c.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		return c.sequence(n, depth)
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return fail(n, "unsupported YAML node")
}

func (c *converter) sequence(n *yaml.Node, depth int) error {
	c.buf = append(c.buf, '[')
	for i, e := range n.Content {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		if err := c.value(e, depth+1); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, ']')
	return nil
}

func (c *converter) mapping(n *yaml.Node, depth int) error {
	pairs, err := mappingPairs(n, depth)
	if err != nil {
		return err
	}
	c.buf = append(c.buf, '{')
	first := true
	for _, p := range pairs {
		if c.prune[p.keyN] {
			continue
		}
		if !first {
			c.buf = append(c.buf, ',')
		}
		first = false
		c.buf = appendString(c.buf, p.key)
		c.buf = append(c.buf, ':')
		if err := c.value(p.value, depth+1); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '}')
	return nil
}

// pair is one key of a mapping.
type pair struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// mappingPairs returns the keys of a mapping in order, with YAML merge keys
// ("<<") resolved: explicit keys win over merged ones. A key written twice
// is an error (YAML forbids it; silently keeping one would hide a setting).
func mappingPairs(n *yaml.Node, depth int) ([]pair, error) {
	out := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]bool, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fail(k, "duplicate key %q", key)
		}
		seen[key] = true
		out = append(out, pair{key: key, keyN: k, value: v})
	}
	for _, m := range merges {
		merged, err := mergeSources(m, depth)
		if err != nil {
			return nil, err
		}
		for _, p := range merged {
			if !seen[p.key] {
				seen[p.key] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// mergeSources returns the pairs a "<<" value contributes: one mapping or a
// sequence of mappings (earlier ones win).
func mergeSources(v *yaml.Node, depth int) ([]pair, error) {
	if depth > maxDepth {
		return nil, fail(v, "merge keys nested deeper than %d levels", maxDepth)
	}
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return mappingPairs(v, depth+1)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, e := range v.Content {
			ps, err := mergeSources(e, depth+1)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if !seen[p.key] {
					seen[p.key] = true
					out = append(out, p)
				}
			}
		}
		return out, nil
	}
	return nil, fail(v, "merge key value must be a mapping or a list of mappings")
}

// keyString returns a mapping key as a JSON object key, as sigs.k8s.io/yaml
// names it: a plain key resolves by YAML 1.1 (`on:` is "true", `0x10:` is
// "16", a float key is printed with float32 precision).
func keyString(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", fail(k, "mapping keys must be scalars")
	}
	if !isPlain(k) {
		return k.Value, nil
	}
	r := resolve11(k.Value)
	switch r.kind {
	case scalarBool:
		return strconv.FormatBool(r.b), nil
	case scalarInt:
		return strconv.FormatInt(r.i, 10), nil
	case scalarUint:
		return "", fail(k, "mapping key %s is above the int64 range (kubectl refuses it)", k.Value)
	case scalarFloat:
		return floatKey(r.f), nil
	case scalarNull:
		return "", fail(k, "a null mapping key %q is not representable in JSON", k.Value)
	}
	return k.Value, nil
}

// floatKey prints a float key as sigs.k8s.io/yaml does.
func floatKey(f float64) string {
	switch s := strconv.FormatFloat(f, 'g', -1, 32); s {
	case "+Inf":
		return ".inf"
	case "-Inf":
		return "-.inf"
	case "NaN":
		return ".nan"
	default:
		return s
	}
}

func (c *converter) scalar(n *yaml.Node) error {
	if isPlain(n) {
		return c.plain(n)
	}
	switch n.ShortTag() {
	case "!!null":
		c.buf = append(c.buf, "null"...)
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fail(n, "invalid boolean %q", n.Value)
		}
		c.buf = strconv.AppendBool(c.buf, b)
	case "!!int":
		return c.integer(n)
	case "!!float":
		return c.float(n)
	default: // !!str, !!timestamp, !!binary and custom tags stay strings
		c.buf = appendString(c.buf, n.Value)
	}
	return nil
}

// plain writes a plain scalar as YAML 1.1 resolves it.
func (c *converter) plain(n *yaml.Node) error {
	r := resolve11(n.Value)
	switch r.kind {
	case scalarNull:
		c.buf = append(c.buf, "null"...)
	case scalarBool:
		c.buf = strconv.AppendBool(c.buf, r.b)
	case scalarInt:
		c.buf = strconv.AppendInt(c.buf, r.i, 10)
	case scalarUint:
		c.buf = strconv.AppendUint(c.buf, r.u, 10)
	case scalarFloat:
		return c.appendFloat(n, r.f)
	default:
		c.buf = appendString(c.buf, n.Value)
	}
	return nil
}

func (c *converter) integer(n *yaml.Node) error {
	if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		c.buf = strconv.AppendInt(c.buf, i, 10)
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return fail(n, "invalid integer %q", n.Value)
	}
	switch x := v.(type) {
	case int:
		c.buf = strconv.AppendInt(c.buf, int64(x), 10)
	case int64:
		c.buf = strconv.AppendInt(c.buf, x, 10)
	case uint64:
		c.buf = strconv.AppendUint(c.buf, x, 10)
	case float64:
		return c.appendFloat(n, x)
	default:
		return fail(n, "invalid integer %q", n.Value)
	}
	return nil
}

func (c *converter) float(n *yaml.Node) error {
	var f float64
	if err := n.Decode(&f); err != nil {
		return fail(n, "invalid number %q", n.Value)
	}
	return c.appendFloat(n, f)
}

var errNotJSON = errors.New("is not representable in JSON")

func (c *converter) appendFloat(n *yaml.Node, f float64) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fail(n, "number %q %w", n.Value, errNotJSON)
	}
	c.buf = strconv.AppendFloat(c.buf, f, 'g', -1, 64)
	return nil
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\':
				buf = append(buf, '\\', b)
			case b < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			default:
				buf = append(buf, b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
