package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// cpNode is a value inside a decoded document with the path it lives at.
// The zero-value parts are safe: getters on an absent node return ok=false.
type cpNode struct {
	val  any
	path *field.Path
	// set is true when the key is present in the document, even as null.
	set bool
}

// get walks map keys; a missing key yields an unset node at the path where
// the key would be, so rules can point to where a fix belongs.
func (n cpNode) get(keys ...string) cpNode {
	for _, k := range keys {
		m := cpMap(n.val)
		v, ok := m[k]
		n = cpNode{val: v, path: n.path.Child(k), set: n.set && ok}
	}
	return n
}

// at returns the i-th element of a list node.
func (n cpNode) at(i int) cpNode {
	l := n.list()
	out := cpNode{path: n.path.Index(i)}
	if i < len(l) {
		out.val, out.set = l[i], true
	}
	return out
}

// isNull reports an explicit null, which removes a chart default.
func (n cpNode) isNull() bool { return n.set && n.val == nil }

// list returns a list value, or nil.
func (n cpNode) list() []any { l, _ := n.val.([]any); return l }

// str returns a string value.
func (n cpNode) str() (string, bool) { s, ok := n.val.(string); return s, ok }

// boolean returns a bool value; the strings "true" and "false" (from
// `helm --set` or quoting) count too.
func (n cpNode) boolean() (bool, bool) {
	switch v := n.val.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// number returns a numeric value whatever the decoder produced (int,
// int64, float64, json.Number or a numeric string; "50%" and "2Gi" are not).
func (n cpNode) number() (float64, bool) {
	switch v := n.val.(type) {
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// cpMap returns a map value, accepting map[any]any from older YAML decoders.
func cpMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[fmt.Sprint(k)] = x
		}
		return out
	}
	return nil
}

// cpFirstSet returns the first node present in the document, or the first
// node (where a fix belongs) when none is.
func cpFirstSet(nodes ...cpNode) cpNode {
	for _, n := range nodes {
		if n.set {
			return n
		}
	}
	return nodes[0]
}
