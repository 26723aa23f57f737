package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
	want, err := SpliceValuesSchema(file)
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
