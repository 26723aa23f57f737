package manifest

import (
	"bytes"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// FromJSON decodes one object as found in an AdmissionReview
// (request.object); the webhook uses it on its hot path, so it never touches
// YAML. Objects of kinds no rule types get a nil Body. The namespace is left
// as written: the webhook takes it from request.namespace. UnknownFields is
// not filled (the API server has already pruned unknown fields).
func FromJSON(raw []byte) (*policy.Object, error) {
	apiVersion, kind, err := readHead(raw)
	if err != nil {
		return nil, err
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, fmt.Errorf("decode object: invalid apiVersion %q: %w", apiVersion, err)
	}
	obj := &policy.Object{GroupKind: schema.GroupKind{Group: gv.Group, Kind: kind}, Version: gv.Version}
	info, known := kinds()[gv.WithKind(kind)]
	if !known {
		if obj.Meta, err = headMeta(raw); err != nil {
			return nil, fmt.Errorf("decode %s: %w", kind, err)
		}
		return obj, nil
	}
	if obj.Meta, obj.Body, err = info.decode(raw); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind, err)
	}
	return obj, nil
}

// readHead returns the apiVersion and kind of an object. The API server
// writes them first, so they are read straight from the start of the text
// without scanning the rest (the typed decode that follows validates the
// whole document); any other layout is decoded the general way.
func readHead(raw []byte) (apiVersion, kind string, err error) {
	if apiVersion, kind, ok := leadingHead(raw); ok {
		return apiVersion, kind, nil
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := unmarshal(raw, &head); err != nil {
		return "", "", fmt.Errorf("decode object: %w", err)
	}
	if head.APIVersion == "" || head.Kind == "" {
		return "", "", errors.New("decode object: missing apiVersion or kind")
	}
	return head.APIVersion, head.Kind, nil
}

// leadingHead reads `{"apiVersion":"...","kind":"..."` (in either order,
// blanks allowed) at the start of raw. ok is false for any other layout and
// for values that are empty or hold escapes.
func leadingHead(raw []byte) (apiVersion, kind string, ok bool) {
	rest := bytes.TrimLeft(raw, " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' {
		return "", "", false
	}
	rest = rest[1:]
	for i := range 2 {
		var key, value string
		if key, value, rest, ok = leadingMember(rest); !ok {
			return "", "", false
		}
		switch {
		case key == "apiVersion" && apiVersion == "":
			apiVersion = value
		case key == "kind" && kind == "":
			kind = value
		default:
			return "", "", false
		}
		if i == 0 {
			if rest = bytes.TrimLeft(rest, " \t\r\n"); len(rest) == 0 || rest[0] != ',' {
				return "", "", false
			}
			rest = rest[1:]
		}
	}
	return apiVersion, kind, true
}

// leadingMember reads `"key": "value"` with plain (escape-free, non-empty)
// strings at the start of b, and returns the text after it.
func leadingMember(b []byte) (key, value string, rest []byte, ok bool) {
	k, b, ok := leadingString(b)
	if !ok {
		return "", "", nil, false
	}
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != ':' {
		return "", "", nil, false
	}
	v, b, ok := leadingString(b[1:])
	return k, v, b, ok
}

// leadingString reads a non-empty JSON string of printable ASCII without
// escapes at the start of b (after blanks).
func leadingString(b []byte) (s string, rest []byte, ok bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) < 2 || b[0] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(b[1:], '"') + 1
	if end <= 1 {
		return "", nil, false
	}
	for _, c := range b[1:end] {
		if c < ' ' || c > '~' || c == '\\' {
			return "", nil, false
		}
	}
	return string(b[1:end]), b[end+1:], true
}
