package docs

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// readYAML decodes a YAML file into T.
func readYAML[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
