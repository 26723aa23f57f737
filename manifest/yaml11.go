package manifest

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// kubectl, Helm and istioctl read YAML with sigs.k8s.io/yaml, which resolves
// plain (unquoted, untagged) scalars by the YAML 1.1 rules of go-yaml v2:
// `yes`, `on`, `y` are true, `0777` is octal, `1_000` is 1000. We parse with
// go-yaml v3 for its node positions, whose YAML 1.2 resolver reads those as
// strings or decimals; so every plain scalar is resolved here, the v2 way.
// TestYAML11MatchesSigsYAML and FuzzYAML11Scalar hold this to sigs.k8s.io/yaml.

// scalarKind is how a plain scalar resolves.
type scalarKind int

const (
	scalarString scalarKind = iota
	scalarNull
	scalarBool
	scalarInt   // int64 in i
	scalarUint  // uint64 in u (above the int64 range)
	scalarFloat // float64 in f
)

// resolved is a plain scalar's YAML 1.1 value.
type resolved struct {
	kind scalarKind
	b    bool
	i    int64
	u    uint64
	f    float64
}

// yaml11Words are the YAML 1.1 spellings go-yaml v2 resolves by table.
var yaml11Words = func() map[string]resolved {
	m := map[string]resolved{}
	add := func(r resolved, words ...string) {
		for _, w := range words {
			m[w] = r
		}
	}
	add(resolved{kind: scalarBool, b: true}, "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
	add(resolved{kind: scalarBool}, "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
	add(resolved{kind: scalarNull}, "", "~", "null", "Null", "NULL")
	add(resolved{kind: scalarFloat, f: math.NaN()}, ".nan", ".NaN", ".NAN")
	add(resolved{kind: scalarFloat, f: math.Inf(1)}, ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")
	add(resolved{kind: scalarFloat, f: math.Inf(-1)}, "-.inf", "-.Inf", "-.INF")
	return m
}()

// yaml11Float is go-yaml v2's pattern for a decimal float.
var yaml11Float = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// isPlain reports whether n is a plain scalar: no quotes, no block style, no
// explicit tag. Only plain scalars are resolved by content.
func isPlain(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

// resolve11 resolves the text of a plain scalar as go-yaml v2 does: its
// first byte decides whether the scalar can be anything but a string (v2's
// resolve table), so most keys and values cost one comparison.
func resolve11(s string) resolved {
	if s == "" {
		return resolved{kind: scalarNull}
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c == '.':
		if r, ok := yaml11Words[s]; ok { // +.inf, -.inf, .nan, .inf
			return r
		}
		if c == '.' {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return resolved{kind: scalarFloat, f: f}
			}
			return resolved{}
		}
		return resolveNumber(s)
	case c >= '0' && c <= '9':
		return resolveNumber(s)
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		if r, ok := yaml11Words[s]; ok {
			return r
		}
	}
	return resolved{}
}

// resolveNumber resolves a scalar starting with a digit or a sign: a
// timestamp stays a string (v2 hands timestamps to untyped targets as the
// text), then an integer in any base strconv knows, then a float, then 0b.
func resolveNumber(s string) resolved {
	if isTimestamp(s) {
		return resolved{}
	}
	plain := strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return resolved{kind: scalarInt, i: i}
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return resolved{kind: scalarUint, u: u}
	}
	if yaml11Float.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return resolved{kind: scalarFloat, f: f}
		}
	}
	switch {
	case strings.HasPrefix(plain, "0b"):
		if i, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
			return resolved{kind: scalarInt, i: i}
		}
		if u, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
			return resolved{kind: scalarUint, u: u}
		}
	case strings.HasPrefix(plain, "-0b"):
		if i, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
			return resolved{kind: scalarInt, i: i}
		}
	}
	return resolved{}
}

// timestampLayouts are the forms go-yaml v2 recognises as timestamps.
var timestampLayouts = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp reports whether s is a YAML timestamp (four digits, a dash,
// then one of timestampLayouts).
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// yaml11Kind names how a plain scalar reads for an error message, "" for a string.
func yaml11Kind(n *yaml.Node) string {
	if !isPlain(n) {
		return ""
	}
	switch resolve11(n.Value).kind {
	case scalarBool:
		return "boolean"
	case scalarInt, scalarUint, scalarFloat:
		return "number"
	case scalarNull:
		return "null"
	}
	return ""
}
