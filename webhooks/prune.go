package webhooks

import (
	"encoding"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Pruning the unchanged parts of a mutated object before it is encoded.
//
// The patch is the diff of two encodings, before and after mutation (see
// jsonPatch), and the differ only ever descends into, or copies out of,
// values that differ between the two. A value that is equal in both is
// compared and skipped whatever its text, so it can be replaced by any text
// that is also equal in both. pruneEqual replaces it by its zero value, in
// both copies, before they are encoded: the injected pod's mutators change
// an annotation and two containers' lifecycle, and without pruning both
// encodings write the whole 16 KB pod (most of the mutate path's cost) for
// a diff that reads a few hundred bytes of it.
//
// Why the operations cannot change:
//   - a value equal before and after (reflect.DeepEqual) encodes to equal
//     texts (encoding/json is deterministic), and so do the two zero values
//     that replace it; a value that differs keeps a differing part, which is
//     never zeroed. Every node the differ visits is therefore equal in the
//     pruned texts exactly when it was in the full ones, and the structure
//     it walks (keys present, array lengths, the first byte of each value)
//     is unchanged outside the zeroed values, which it never enters: a
//     zeroed field is either kept in both texts or, when omitempty drops
//     its zero value, absent from both, which the differ treats alike (no
//     operation);
//   - the values copied into operations come from the after text at a
//     differing path, whose subtree is unchanged unless a zeroed value lies
//     under it. One does only where the differ copies a whole value that
//     before also holds with content (zeroing content-free values changes no
//     text), which it does only where raw does not line up with before: raw
//     absent, null, another type or another array length. before is raw
//     decoded, so where before has content raw has that shape (values with
//     their own JSON decoding, which could map other shapes to content, are
//     never descended into: see opaque);
//   - encoding errors: before is an object decoded from JSON, which encodes;
//     the zeroed values are equal to before's, so they encode in after too.
//
// Descended into: structs, non-nil pointers to them, and slices of equal
// length of either. Everything else (maps, strings, numbers, interfaces,
// types with their own JSON or text encoding, fields tagged omitzero) is a
// leaf, compared whole. Unexported fields are not encoded and are ignored,
// except embedded ones (encoding/json promotes their fields), which make the
// struct count as changed, the safe answer, and so do leaves that may hold
// a float (reflect.DeepEqual holds 0 and -0 equal; they encode apart). The
// walk follows a plan built once per type. checkMutationPatch (so
// TestMutationPatch and FuzzMutationPatch) holds the patch to the diff of
// the whole encodings, operation for operation.

// pruneEqual zeroes, in b and a (values of one type, addressable), every
// part that is equal in both, and reports whether b and a are entirely
// equal (the caller then zeroes them, or, at the top, the encodings are
// equal and there is no patch). b is owned by the caller and pruned in
// place. a is a shell: the value itself is the caller's, but what its
// pointers and slices reach is shared and never written; a pointer or slice
// of a is replaced by a shallow copy before anything under it is zeroed
// (copy on write, much cheaper than a deep copy of the mutated object).
func pruneEqual(b, a reflect.Value) bool { return planFor(b.Type()).prune(b, a) }

// A plan says how values of one type are compared and pruned; plans are
// built once per type (and shared, read-only, once built).
type plan struct {
	kind   planKind
	fields []fieldPlan  // kindStruct: the encoded fields
	elem   *plan        // kindPointer, kindSlice: the element's plan
	typ    reflect.Type // kindPointer, kindSlice: the pointer or slice type
	// hidden: the struct has an unexported embedded field, whose fields
	// encoding/json promotes but we cannot zero: never reported equal.
	hidden bool
}

type fieldPlan struct {
	index int
	plan  *plan
}

type planKind uint8

const (
	kindKept    planKind = iota // never reported equal (may hold floats or interfaces)
	kindDeep                    // compared whole with reflect.DeepEqual
	kindString                  // compared as strings
	kindInt                     // signed integers
	kindUint                    // unsigned integers
	kindBool                    // booleans
	kindStruct                  // descended field by field
	kindPointer                 // non-nil pointers to a descended struct
	kindSlice                   // equal-length slices of descended elements
)

// prune is pruneEqual under plan p.
func (p *plan) prune(b, a reflect.Value) bool {
	switch p.kind {
	case kindDeep:
		return deepEqual(b.Addr().Interface(), a.Addr().Interface())
	case kindString:
		return b.String() == a.String()
	case kindInt:
		return b.Int() == a.Int()
	case kindUint:
		return b.Uint() == a.Uint()
	case kindBool:
		return b.Bool() == a.Bool()
	case kindStruct:
		equal := !p.hidden
		for _, f := range p.fields {
			if bf, af := b.Field(f.index), a.Field(f.index); f.plan.prune(bf, af) {
				bf.SetZero()
				af.SetZero()
			} else {
				equal = false
			}
		}
		return equal
	case kindPointer:
		if b.IsNil() || a.IsNil() {
			return b.IsNil() && a.IsNil()
		}
		c := reflect.New(p.typ.Elem())
		c.Elem().Set(a.Elem())
		a.Set(c)
		return p.elem.prune(b.Elem(), c.Elem())
	case kindSlice:
		if b.IsNil() != a.IsNil() || b.Len() != a.Len() {
			return false
		}
		c := reflect.MakeSlice(p.typ, a.Len(), a.Len())
		reflect.Copy(c, a)
		a.Set(c)
		equal := true
		for i := range b.Len() {
			if be, ae := b.Index(i), a.Index(i); p.elem.prune(be, ae) {
				be.SetZero()
				ae.SetZero()
			} else {
				equal = false
			}
		}
		return equal
	}
	return false
}

// deepEqual is reflect.DeepEqual of two pointers to values of one type,
// with the commonest leaves (labels, annotations, args) compared directly:
// DeepEqual sets up a map of visited pointers at each call. As with
// DeepEqual, nil and empty differ (they encode as null and as {} or []).
func deepEqual(b, a any) bool {
	switch x := b.(type) {
	case *map[string]string:
		y := a.(*map[string]string)
		return (*x == nil) == (*y == nil) && maps.Equal(*x, *y)
	case *[]string:
		y := a.(*[]string)
		return (*x == nil) == (*y == nil) && slices.Equal(*x, *y)
	}
	return reflect.DeepEqual(b, a)
}

var (
	plansMu sync.Mutex
	plans   sync.Map // reflect.Type -> *plan, complete
)

// planFor returns the plan of t, building it on first use.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := buildPlan(t, map[reflect.Type]*plan{})
	plans.Store(t, p)
	return p
}

// buildPlan builds the plan of t; building holds the plans under
// construction, so that recursive types share them.
func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := building[t]; ok {
		return p
	}
	p := &plan{}
	building[t] = p
	switch k := t.Kind(); {
	case opaque(t):
		p.kind = kindDeep
	case k == reflect.String:
		p.kind = kindString
	case k >= reflect.Int && k <= reflect.Int64:
		p.kind = kindInt
	case k >= reflect.Uint && k <= reflect.Uintptr:
		p.kind = kindUint
	case k == reflect.Bool:
		p.kind = kindBool
	case k == reflect.Struct:
		p.kind = kindStruct
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				p.hidden = p.hidden || f.Anonymous
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			fp := buildPlan(f.Type, building)
			if hasOption(tag, "omitzero") && fp.descended() {
				// omitzero may consult an IsZero method that zeroing
				// inside the value would change: compare it whole.
				fp = &plan{kind: kindDeep}
				if floaty(f.Type, map[reflect.Type]bool{}) {
					fp.kind = kindKept
				}
			}
			p.fields = append(p.fields, fieldPlan{index: i, plan: fp})
		}
	case k == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !opaque(t.Elem()):
		p.kind, p.elem, p.typ = kindPointer, buildPlan(t.Elem(), building), t
	case k == reflect.Slice && descendable(t.Elem()):
		p.kind, p.elem, p.typ = kindSlice, buildPlan(t.Elem(), building), t
	case floaty(t, map[reflect.Type]bool{}):
		// reflect.DeepEqual holds 0 and -0 equal, which encode apart.
		p.kind = kindKept
	default:
		p.kind = kindDeep
	}
	return p
}

// descended tells whether the plan looks inside the value.
func (p *plan) descended() bool {
	return p.kind == kindStruct || p.kind == kindPointer || p.kind == kindSlice
}

// descendable tells whether slices of t are walked element by element.
func descendable(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !opaque(t)
}

// floaty tells whether values of t, compared whole, may hold a float or an
// interface (which may hold one), outside types with their own encoding.
func floaty(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || opaque(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return floaty(t.Elem(), seen)
	case reflect.Map:
		return floaty(t.Key(), seen) || floaty(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if floaty(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// hasOption tells whether a json tag carries the option (after the name).
func hasOption(tag, option string) bool {
	_, opts, _ := strings.Cut(tag, ",")
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == option {
			return true
		}
	}
	return false
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// opaque tells whether t (or *t) has its own JSON or text encoding or
// decoding, so that its JSON shape is not its fields': it is compared whole.
func opaque(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, i := range []reflect.Type{jsonMarshaler, jsonUnmarshaler, textMarshaler, textUnmarshaler} {
		if t.Implements(i) || p.Implements(i) {
			return true
		}
	}
	return false
}
