package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

var valuesSchemaFile = filepath.Join("..", "charts", "istio-guardrail", "values.schema.json")

// TestValuesSchemaIsGenerated fails when the config part of the chart's
// values.schema.json is not what ValuesSchema generates from the types;
// UPDATE_GOLDEN=1 (make docs) rewrites it.
func TestValuesSchemaIsGenerated(t *testing.T) {
	file, err := os.ReadFile(valuesSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := spliceValuesSchema(file)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(valuesSchemaFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(file, want) {
		t.Errorf("%s: properties.config is stale: run make docs (UPDATE_GOLDEN=1 go test ./config -run %s)", valuesSchemaFile, t.Name())
	}
}

// TestValuesSchemaAcceptsTheDefaults validates config default, less the keys
// the chart writes itself, against the generated schema, and rejects a
// parameter of the wrong type and an unknown rule.
func TestValuesSchemaAcceptsTheDefaults(t *testing.T) {
	raw, err := json.Marshal(ValuesSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("config.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(y string) error {
		j, err := yaml.YAMLToJSON([]byte(y))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
		if err != nil {
			t.Fatal(err)
		}
		return schema.Validate(v)
	}
	var values map[string]any
	if err := yaml.Unmarshal(DefaultYAML(), &values); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"apiVersion", "kind", "exclude"} {
		delete(values, k)
	}
	defaults, err := yaml.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(string(defaults)); err != nil {
		t.Errorf("config default is not valid chart config: %v", err)
	}
	for _, bad := range []string{"rules: {IGR601: {params: {minReplicas: two}}}", "rules: {IGR999: {action: deny}}", "mutators: {IGR901: {params: {cpu: 1}}}"} {
		if err := validate(bad); err == nil {
			t.Errorf("%s: accepted by the schema", bad)
		}
	}
}

// spliceValuesSchema returns the chart's values.schema.json with its
// properties.config replaced by ValuesSchema, everything else as it was.
func spliceValuesSchema(file []byte) ([]byte, error) {
	start, end, indent, err := configRange(file)
	if err != nil {
		return nil, err
	}
	generated, err := json.MarshalIndent(ValuesSchema(), indent, "  ")
	if err != nil {
		return nil, err
	}
	return append(append(append([]byte{}, file[:start]...), generated...), file[end:]...), nil
}

// configRange finds the bytes of the value of properties.config.
func configRange(file []byte) (start, end int, indent string, err error) {
	dec := json.NewDecoder(bytes.NewReader(file))
	if _, err := dec.Token(); err != nil { // {
		return 0, 0, "", err
	}
	for depth, want := 0, "properties"; dec.More(); {
		key, err := dec.Token()
		if err != nil {
			return 0, 0, "", err
		}
		if key != want {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, 0, "", err
			}
			continue
		}
		if depth == 0 {
			if _, err := dec.Token(); err != nil { // the properties object
				return 0, 0, "", err
			}
			depth, want = 1, "config"
			continue
		}
		start = int(dec.InputOffset())
		start += bytes.IndexByte(file[start:], '{')
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, "", err
		}
		line := file[bytes.LastIndexByte(file[:start], '\n')+1 : start]
		return start, start + len(raw), strings.Repeat(" ", len(line)-len(bytes.TrimLeft(line, " "))), nil
	}
	return 0, 0, "", errors.New("values.schema.json has no properties.config")
}
