package admissionpolicy

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Objects returns the params ConfigMap, then the policies, then the
// bindings, in ID order: the order to apply them in.
func (o *Output) Objects() []any {
	objs := []any{o.Params}
	for _, p := range o.Policies {
		objs = append(objs, p)
	}
	for _, b := range o.Bindings {
		objs = append(objs, b)
	}
	return objs
}

// WriteYAML writes the objects as one YAML stream.
func (o *Output) WriteYAML(w io.Writer) error {
	for i, obj := range o.Objects() {
		b, err := marshal(obj)
		if err != nil {
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// marshal renders obj as YAML without the zero creationTimestamp and status
// the API types carry.
func marshal(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	delete(m, "status")
	return yaml.Marshal(m)
}
