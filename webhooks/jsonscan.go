package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// A minimal JSON scanner for the patch builder: it splits one object or
// array into the spans of its members without decoding them, so a diff
// allocates per level it descends, never per value of the document.

// member is one key of a JSON object: key is the key's text between its
// quotes (still JSON-escaped), val the span of its value.
type member struct {
	key, val []byte
}

// errSyntax reports text the scanner cannot split.
var errSyntax = errors.New("invalid JSON")

// members splits an object ({...}) into its members, in order.
func members(b []byte) ([]member, error) {
	var out []member
	err := scanContainer(b, '{', '}', func(i int) (int, error) {
		if b[i] != '"' {
			return 0, syntaxAt(i)
		}
		kEnd, err := stringEnd(b, i)
		if err != nil {
			return 0, err
		}
		j := skipSpace(b, kEnd)
		if j >= len(b) || b[j] != ':' {
			return 0, syntaxAt(j)
		}
		j = skipSpace(b, j+1)
		vEnd, err := valueEnd(b, j)
		if err != nil {
			return 0, err
		}
		out = append(out, member{key: b[i+1 : kEnd-1], val: b[j:vEnd]})
		return vEnd, nil
	})
	return out, err
}

// elements splits an array ([...]) into the spans of its elements.
func elements(b []byte) ([][]byte, error) {
	var out [][]byte
	err := scanContainer(b, '[', ']', func(i int) (int, error) {
		end, err := valueEnd(b, i)
		if err != nil {
			return 0, err
		}
		out = append(out, b[i:end])
		return end, nil
	})
	return out, err
}

// scanContainer walks the comma-separated entries of b, which must be
// exactly one container from open to closing; entry parses the entry starting
// at its index and returns the index after it.
func scanContainer(b []byte, open, closing byte, entry func(i int) (int, error)) error {
	if len(b) < 2 || b[0] != open || b[len(b)-1] != closing {
		return syntaxAt(0)
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return nil // empty
	}
	for {
		next, err := entry(i)
		if err != nil {
			return err
		}
		i = skipSpace(b, next)
		switch {
		case i >= len(b):
			return syntaxAt(i)
		case b[i] == closing && i == len(b)-1:
			return nil
		case b[i] != ',':
			return syntaxAt(i)
		}
		if i = skipSpace(b, i+1); i >= len(b)-1 {
			return syntaxAt(i)
		}
	}
}

// valueEnd returns the index just after the value starting at b[i].
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, syntaxAt(i)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		return containerEnd(b, i)
	}
	j := i
	for j < len(b) && !isDelimiter(b[j]) {
		j++
	}
	if j == i {
		return 0, syntaxAt(i)
	}
	return j, nil
}

// containerEnd returns the index just after the object or array at b[i],
// skipping strings so brackets inside them do not count.
func containerEnd(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		for j < len(b) && !structural[b[j]] {
			j++
		}
		if j == len(b) {
			break
		}
		switch b[j] {
		case '"':
			end, err := stringEnd(b, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, syntaxAt(len(b))
}

// structural marks the bytes containerEnd stops at.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// stringEnd returns the index just after the string whose quote is at b[i].
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		esc := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			esc++
		}
		if esc%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, syntaxAt(len(b))
}

// isDelimiter tells whether c ends a number or literal.
func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// skipSpace returns the index of the first non-blank byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// trimSpace trims JSON whitespace around a document.
func trimSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// syntaxAt is errSyntax at an offset.
func syntaxAt(i int) error { return fmt.Errorf("%w at offset %d", errSyntax, i) }

// lookup finds key among ms; hint is where to look first (keys of two
// encodings of one object are usually in the same order).
func lookup(ms []member, key []byte, hint int) ([]byte, bool) {
	if hint < len(ms) && keyEqual(ms[hint].key, key) {
		return ms[hint].val, true
	}
	for _, m := range ms {
		if keyEqual(m.key, key) {
			return m.val, true
		}
	}
	return nil, false
}

// keyEqual compares two escaped keys by their unescaped value.
func keyEqual(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return bytes.Equal(a, b)
	}
	return unquoteKey(a) == unquoteKey(b)
}

// unquoteKey returns the value of an escaped key; text the scanner accepted
// but encoding/json does not is kept as written.
func unquoteKey(k []byte) string {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k)
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &s); err != nil {
		return string(k)
	}
	return s
}
