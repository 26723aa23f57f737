package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
)

// The typed diff: the same operations as jsonPatch, found by walking the
// typed object before and after mutation with reflection instead of
// encoding both to JSON and scanning the texts. Only the values that changed
// are encoded, and the request object is scanned only along the paths that
// lead to a change. Types the walk does not model (",string" fields, embedded
// pointers, conflicting embedded names) make it return errUnsupported and the
// caller falls back to jsonPatch; TestTypedPatchMatchesJSONPatch checks both
// give the same patched object.

// errUnsupported reports a type the typed diff does not model.
var errUnsupported = errors.New("type not supported by the typed diff")

// typedPatch returns the operations that apply to raw the changes that turn
// before into after, two values of the same type (pointers to structs).
func typedPatch(raw []byte, before, after any) ([]jsonpatch.JsonPatchOperation, error) {
	b, a := reflect.ValueOf(before), reflect.ValueOf(after)
	if b.Type() != a.Type() {
		return nil, fmt.Errorf("%w: %s vs %s", errUnsupported, b.Type(), a.Type())
	}
	w := &walker{raw: trimSpace(raw), frames: make([]frame, 0, 32)}
	w.push(frame{}, b, a)
	w.value(0, b, a)
	if w.err != nil {
		return nil, w.err
	}
	return w.ops, nil
}

// frame is one step of the path from the root to the value being compared.
type frame struct {
	key     string // object key; "" with isIndex for an array element
	index   int
	isIndex bool
	b, a    reflect.Value // the values before and after at this step
	state   frameState
	js      []byte   // the after value's JSON, when known without reflection
	span    []byte   // raw's value here, once resolved
	members []member // raw's members, for an object
	elems   [][]byte // raw's elements, for an array
}

// frameState tracks how a frame's raw value has been resolved.
type frameState int

const (
	unresolved frameState = iota
	present               // span holds raw's value, of the expected kind
	covered               // the frame or an ancestor was set whole: nothing below it is emitted
)

// walker holds the path being walked, the operations and the first error.
type walker struct {
	raw    []byte
	frames []frame
	ops    []jsonpatch.JsonPatchOperation
	err    error
}

func (w *walker) push(f frame, b, a reflect.Value) int {
	f.b, f.a = b, a
	w.frames = append(w.frames, f)
	return len(w.frames) - 1
}

func (w *walker) pop() { w.frames = w.frames[:len(w.frames)-1] }

// value compares the values of frame k.
func (w *walker) value(k int, b, a reflect.Value) {
	if w.err != nil {
		return
	}
	t := a.Type()
	switch {
	case isLeafType(t):
		if !leafEqual(b, a) {
			w.setLeaf(k)
		}
	case t.Kind() == reflect.Pointer:
		switch {
		case b.IsNil() && a.IsNil():
		case b.IsNil() || a.IsNil():
			w.setLeaf(k)
		default:
			w.frames[k].b, w.frames[k].a = b.Elem(), a.Elem()
			w.value(k, b.Elem(), a.Elem())
		}
	case t.Kind() == reflect.Struct:
		w.structFields(k, b, a)
	case t.Kind() == reflect.Map:
		w.mapKeys(k, b, a)
	case t.Kind() == reflect.Slice:
		w.sliceElems(k, b, a)
	default:
		if !leafEqual(b, a) {
			w.setLeaf(k)
		}
	}
}

// structFields compares the JSON fields of two structs.
func (w *walker) structFields(k int, b, a reflect.Value) {
	fields, err := jsonFields(a.Type())
	if err != nil {
		w.err = err
		return
	}
	for _, f := range fields {
		bf, af := b.FieldByIndex(f.index), a.FieldByIndex(f.index)
		inB, inA := !f.omitted(bf), !f.omitted(af)
		w.child(k, frame{key: f.name}, bf, af, inB, inA)
	}
}

// child compares one member of an object: present before and/or after.
func (w *walker) child(k int, f frame, b, a reflect.Value, inB, inA bool) {
	switch {
	case !inB && !inA:
	case inB && !inA:
		w.remove(k, f)
	default:
		c := w.push(f, b, a)
		if inB {
			w.value(c, b, a)
		} else {
			w.setLeaf(c)
		}
		w.pop()
	}
}

// mapKeys compares two maps with string keys, in key order.
func (w *walker) mapKeys(k int, b, a reflect.Value) {
	if a.Type().Key().Kind() != reflect.String {
		if !leafEqual(b, a) {
			w.setLeaf(k)
		}
		return
	}
	if b.IsNil() != a.IsNil() {
		w.setLeaf(k)
		return
	}
	if am, ok := a.Interface().(map[string]string); ok {
		w.stringMap(k, b.Interface().(map[string]string), am)
		return
	}
	if b.Len() == a.Len() && reflect.DeepEqual(b.Interface(), a.Interface()) {
		return
	}
	keys := make([]string, 0, a.Len()+b.Len())
	for _, m := range []reflect.Value{a, b} {
		for it := m.MapRange(); it.Next(); {
			keys = append(keys, it.Key().String())
		}
	}
	sort.Strings(keys)
	for i, key := range keys {
		if i > 0 && keys[i-1] == key {
			continue
		}
		kv := reflect.ValueOf(key).Convert(a.Type().Key())
		bv, av := b.MapIndex(kv), a.MapIndex(kv)
		w.child(k, frame{key: key}, bv, av, bv.IsValid(), av.IsValid())
	}
}

// stringMap compares labels, annotations and other map[string]string
// without reflection, in key order.
func (w *walker) stringMap(k int, b, a map[string]string) {
	var keys []string
	for key, av := range a {
		if bv, ok := b[key]; !ok || bv != av {
			keys = append(keys, key)
		}
	}
	for key := range b {
		if _, ok := a[key]; !ok {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		av, inA := a[key]
		if !inA {
			w.remove(k, frame{key: key})
			continue
		}
		js, err := json.Marshal(av)
		if err != nil {
			w.err = fmt.Errorf("encode %s: %w", key, err)
			return
		}
		c := w.push(frame{key: key, js: js}, reflect.Value{}, reflect.Value{})
		w.setLeaf(c)
		w.pop()
	}
}

// sliceElems compares two slices element by element, then adds the appended
// elements or removes the dropped tail.
func (w *walker) sliceElems(k int, b, a reflect.Value) {
	if b.IsNil() != a.IsNil() {
		w.setLeaf(k)
		return
	}
	for i := range min(b.Len(), a.Len()) {
		c := w.push(frame{index: i, isIndex: true}, b.Index(i), a.Index(i))
		w.value(c, b.Index(i), a.Index(i))
		w.pop()
	}
	for i := b.Len(); i < a.Len(); i++ {
		c := w.push(frame{index: i, isIndex: true}, reflect.Value{}, a.Index(i))
		w.setLeaf(c)
		w.pop()
	}
	for i := b.Len() - 1; i >= a.Len(); i-- {
		w.remove(k, frame{index: i, isIndex: true})
	}
}

// setLeaf writes frame k's after value whole: replace when raw has it, add
// when not.
func (w *walker) setLeaf(k int) {
	if k == 0 {
		w.emit("replace", k, true)
		return
	}
	if !w.resolve(k - 1) {
		return
	}
	_, exists := w.lookup(k-1, &w.frames[k])
	op := "add"
	if exists {
		op = "replace"
	}
	w.emit(op, k, true)
}

// remove removes child f of frame k when raw has it.
func (w *walker) remove(k int, f frame) {
	if !w.resolve(k) {
		return
	}
	if _, exists := w.lookup(k, &f); !exists {
		return
	}
	c := w.push(f, reflect.Value{}, reflect.Value{})
	w.emit("remove", c, false)
	w.pop()
}

// resolve makes frame k present in raw with the kind of its typed value
// (object or array of the same length as before). When raw does not line
// up, the frame is set whole from its after value and marked covered.
// It reports whether operations below frame k may be emitted.
func (w *walker) resolve(k int) bool {
	f := &w.frames[k]
	switch f.state {
	case present:
		return true
	case covered:
		return false
	}
	span, exists := w.raw, true
	if k > 0 {
		if !w.resolve(k - 1) {
			f.state = covered
			return false
		}
		span, exists = w.lookup(k-1, f)
	}
	if exists && w.parse(f, span) {
		f.state = present
		return true
	}
	f.state = covered
	op := "add"
	if exists {
		op = "replace"
	}
	w.emit(op, k, true)
	return false
}

// parse splits raw's value of a frame, and reports whether it lines up
// with the typed value (an object for a struct or map, an array of the
// before length for a slice).
func (w *walker) parse(f *frame, span []byte) bool {
	f.span = span
	v := f.b
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	var err error
	switch v.Kind() {
	case reflect.Struct, reflect.Map:
		f.members, err = members(span)
	case reflect.Slice:
		if f.elems, err = elements(span); err == nil && len(f.elems) != v.Len() {
			return false
		}
	default:
		return false
	}
	if err != nil && !errors.Is(err, errSyntax) {
		w.err = err
	}
	return err == nil
}

// lookup returns raw's value of child c of the resolved frame k.
func (w *walker) lookup(k int, c *frame) ([]byte, bool) {
	p := &w.frames[k]
	if c.isIndex {
		if c.index < len(p.elems) {
			return p.elems[c.index], true
		}
		return nil, false
	}
	for _, m := range p.members {
		if bytes.IndexByte(m.key, '\\') < 0 {
			if string(m.key) == c.key {
				return m.val, true
			}
		} else if unquoteKey(m.key) == c.key {
			return m.val, true
		}
	}
	return nil, false
}

// emit appends op at frame k's path, with its after value when withValue.
func (w *walker) emit(op string, k int, withValue bool) {
	var value any
	if withValue && w.frames[k].js != nil {
		value = json.RawMessage(w.frames[k].js)
	} else if withValue {
		js, err := marshalValue(w.frames[k].a)
		if err != nil {
			w.err = fmt.Errorf("encode %s: %w", w.path(k), err)
			return
		}
		value = json.RawMessage(js)
	}
	w.ops = append(w.ops, jsonpatch.NewOperation(op, w.path(k), value))
}

// path renders frame k's JSON pointer.
func (w *walker) path(k int) string {
	var b strings.Builder
	for _, f := range w.frames[1 : k+1] {
		b.WriteByte('/')
		if f.isIndex {
			b.WriteString(strconv.Itoa(f.index))
		} else {
			b.WriteString(escapeToken(f.key))
		}
	}
	return b.String()
}
