package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// applyTypedDiff applies to raw the changes that turn before into after.
// before and after are the typed object marshalled before and after
// mutation; raw is the request's object, which may hold fields the Go types
// do not know (newer API fields, CRD extensions). Those fields survive: only
// the keys and elements that differ between before and after are written.
func applyTypedDiff(raw, before, after []byte) ([]byte, error) {
	var r, b, a any
	for _, d := range []struct {
		data []byte
		into *any
		name string
	}{{raw, &r, "request object"}, {before, &b, "object before mutation"}, {after, &a, "object after mutation"}} {
		dec := json.NewDecoder(bytes.NewReader(d.data))
		dec.UseNumber()
		if err := dec.Decode(d.into); err != nil {
			return nil, fmt.Errorf("decode %s: %w", d.name, err)
		}
	}
	out, err := json.Marshal(mergeDiff(r, b, a))
	if err != nil {
		return nil, fmt.Errorf("encode patched object: %w", err)
	}
	return out, nil
}

// mergeDiff returns target with the before->after changes applied.
func mergeDiff(target, before, after any) any {
	if reflect.DeepEqual(before, after) {
		return target
	}
	switch a := after.(type) {
	case map[string]any:
		b, okB := before.(map[string]any)
		t, okT := target.(map[string]any)
		if !okB || !okT {
			return after
		}
		return mergeMaps(t, b, a)
	case []any:
		b, okB := before.([]any)
		t, okT := target.([]any)
		if !okB || !okT || len(t) != len(b) {
			return after
		}
		return mergeSlices(t, b, a)
	default:
		return after
	}
}

// mergeMaps applies key changes: changed keys recurse, added keys are set,
// removed keys are deleted; keys only in target are kept.
func mergeMaps(t, b, a map[string]any) map[string]any {
	out := make(map[string]any, len(t)+len(a))
	for k, v := range t {
		out[k] = v
	}
	for k, av := range a {
		bv, inBefore := b[k]
		tv, inTarget := t[k]
		switch {
		case inBefore && reflect.DeepEqual(bv, av):
			// unchanged by the mutation: keep the target's value (or absence)
		case inBefore && inTarget:
			out[k] = mergeDiff(tv, bv, av)
		default:
			out[k] = av
		}
	}
	for k := range b {
		if _, kept := a[k]; !kept {
			delete(out, k)
		}
	}
	return out
}

// mergeSlices merges element by element over the common prefix, then takes
// the appended elements of after (or drops the removed tail).
func mergeSlices(t, b, a []any) []any {
	out := make([]any, 0, len(a))
	for i := range a {
		if i < len(b) {
			out = append(out, mergeDiff(t[i], b[i], a[i]))
		} else {
			out = append(out, a[i])
		}
	}
	return out
}
