package webhooks

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// How encoding/json sees a Go type, for the typed diff: which values are
// encoded whole (leaves), which struct fields exist under which names, and
// when omitempty or omitzero leaves a field out. Both caches are keyed by
// reflect.Type and only ever filled with the same answer, so sharing them
// between requests is safe.

// marshalValue encodes v as encoding/json would inside its parent, using
// pointer-receiver marshalers when v is addressable.
func marshalValue(v reflect.Value) ([]byte, error) {
	if v.CanAddr() {
		return json.Marshal(v.Addr().Interface())
	}
	return json.Marshal(v.Interface())
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// leafTypes caches isLeafType by reflect.Type.
var leafTypes sync.Map

// isLeafType tells whether values of t are compared and encoded whole:
// custom JSON or text encodings, interfaces and byte slices.
func isLeafType(t reflect.Type) bool {
	if leaf, ok := leafTypes.Load(t); ok {
		return leaf.(bool)
	}
	leaf := leafKind(t)
	leafTypes.Store(t, leaf)
	return leaf
}

// leafKind implements isLeafType.
func leafKind(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	switch {
	case t.Implements(jsonMarshaler) || pt.Implements(jsonMarshaler),
		t.Implements(textMarshaler) || pt.Implements(textMarshaler):
		return true
	case t.Kind() == reflect.Interface:
		return true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return true
	}
	return false
}

// leafEqual compares two values whole, without copying addressable ones.
func leafEqual(b, a reflect.Value) bool {
	if b.CanAddr() && a.CanAddr() {
		return reflect.DeepEqual(b.Addr().Interface(), a.Addr().Interface())
	}
	return reflect.DeepEqual(b.Interface(), a.Interface())
}

// jsonField is one field of a struct as encoding/json sees it.
type jsonField struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
}

// omitted tells whether encoding/json leaves the field out.
func (f jsonField) omitted(v reflect.Value) bool {
	if f.omitZero && isZero(v) {
		return true
	}
	if !f.omitEmpty {
		return false
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// isZero is encoding/json's omitzero test: an IsZero method (on the value
// or its pointer) or else the zero value.
func isZero(v reflect.Value) bool {
	type zeroer interface{ IsZero() bool }
	if v.CanAddr() {
		if z, ok := v.Addr().Interface().(zeroer); ok {
			return z.IsZero()
		}
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return true
	}
	if z, ok := v.Interface().(zeroer); ok {
		return z.IsZero()
	}
	return v.IsZero()
}

// fieldCache maps a struct type to its []jsonField (or error).
var fieldCache sync.Map

// jsonFields returns the JSON fields of struct type t, embedded structs
// flattened, in encoding order.
func jsonFields(t reflect.Type) ([]jsonField, error) {
	if c, ok := fieldCache.Load(t); ok {
		if err, isErr := c.(error); isErr {
			return nil, err
		}
		return c.([]jsonField), nil
	}
	fields, err := collectFields(t, nil)
	if err == nil {
		seen := map[string]bool{}
		for _, f := range fields {
			if seen[f.name] {
				err = fmt.Errorf("%w: %s has two fields named %q", errUnsupported, t, f.name)
				break
			}
			seen[f.name] = true
		}
	}
	if err != nil {
		fieldCache.Store(t, err)
		return nil, err
	}
	fieldCache.Store(t, fields)
	return fields, nil
}

// collectFields lists the JSON fields of t under index prefix.
func collectFields(t reflect.Type, prefix []int) ([]jsonField, error) {
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && name == "" {
			if sf.Type.Kind() != reflect.Struct || !sf.IsExported() {
				return nil, fmt.Errorf("%w: embedded %s in %s", errUnsupported, sf.Type, t)
			}
			inner, err := collectFields(sf.Type, index)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if strings.Contains(","+opts+",", ",string,") {
			return nil, fmt.Errorf("%w: field %s.%s uses the string option", errUnsupported, t, sf.Name)
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{
			name: name, index: index,
			omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
			omitZero:  strings.Contains(","+opts+",", ",omitzero,"),
		})
	}
	return out, nil
}
