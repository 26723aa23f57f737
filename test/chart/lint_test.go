package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestLintStrict runs `helm lint --strict` on every mode.
func TestLintStrict(t *testing.T) {
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			out, stderr, err := helm(t, "lint", "--strict", chartDir(t), "--namespace", namespace, "--kube-version", kubeVersion, "-f", valuesFile(t, modes[mode]))
			if err != nil {
				t.Fatalf("helm lint --strict: %v\n%s%s", err, out, stderr)
			}
			if !strings.Contains(out, "0 chart(s) failed") {
				t.Errorf("unexpected lint output:\n%s", out)
			}
		})
	}
}

// TestBadValuesFail checks that typos and unsafe values fail both `helm
// template` and `helm lint` with a message naming the problem.
func TestBadValuesFail(t *testing.T) {
	tests := map[string]struct {
		values map[string]any
		want   string
		// lintToo: schema violations also fail `helm lint`; the chart's own
		// `fail` checks do not, because lint renders with fail disabled.
		lintToo bool
	}{
		"top-level typo":           {map[string]any{"replicaCont": 3}, "replicaCont", true},
		"nested typo":              {map[string]any{"webhook": map[string]any{"timeoutSecond": 3}}, "timeoutSecond", true},
		"typo in a rule setting":   {map[string]any{"config": map[string]any{"rules": map[string]any{"IGR101": map[string]any{"actoin": "warn"}}}}, "actoin", true},
		"not a rule ID":            {map[string]any{"config": map[string]any{"rules": map[string]any{"IGR1O1": map[string]any{"action": "warn"}}}}, "IGR1O1", true},
		"unknown action":           {map[string]any{"config": map[string]any{"rules": map[string]any{"IGR101": map[string]any{"action": "block"}}}}, "action", true},
		"timeout above 5s":         {map[string]any{"webhook": map[string]any{"timeoutSeconds": 10}}, "timeoutSeconds", true},
		"unknown failure policy":   {map[string]any{"webhook": map[string]any{"failurePolicy": "Fial"}}, "failurePolicy", true},
		"TLS 1.1":                  {map[string]any{"server": map[string]any{"tlsMinVersion": "1.1"}}, "tlsMinVersion", true},
		"grace shorter than drain": {map[string]any{"terminationGracePeriodSeconds": 10}, "terminationGracePeriodSeconds", false},
		"PDB blocks every drain":   {map[string]any{"replicaCount": 2}, "minAvailable", false},
		"issuerRef without name":   {map[string]any{"certManager": map[string]any{"enabled": true, "issuerRef": map[string]any{"kind": "ClusterIssuer"}}}, "issuerRef", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := helm(t, templateArgs(t, tc.values)...)
			if err == nil {
				t.Fatalf("helm template accepted bad values; rendered %d bytes", len(out))
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("helm template error does not name %q:\n%s", tc.want, stderr)
			}
			if !tc.lintToo {
				return
			}
			lintOut, _, err := helm(t, "lint", "--strict", chartDir(t), "--namespace", namespace, "--kube-version", kubeVersion, "-f", valuesFile(t, tc.values))
			if err == nil {
				t.Errorf("helm lint --strict accepted bad values:\n%s", lintOut)
			}
		})
	}
}

// TestSchemaIsClosed checks that every object in values.schema.json forbids
// unknown keys, except the documented free-form maps (Kubernetes peers and
// tolerations). Rule and mutator parameters are typed (config.ValuesSchema).
func TestSchemaIsClosed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir(t), "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	freeForm := map[string]bool{
		"/tolerations[]": true, "/networkPolicy/webhookFrom[]": true, "/networkPolicy/metricsFrom[]": true, "/networkPolicy/dns/to[]": true,
	}
	walkSchema(t, "", schema, freeForm)
}

func walkSchema(t *testing.T, path string, s map[string]any, freeForm map[string]bool) {
	t.Helper()
	if s["type"] == "object" && !freeForm[path] {
		if ap, ok := s["additionalProperties"]; !ok || ap == true {
			t.Errorf("schema %q: want additionalProperties false (or a typed map)", path)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for k, v := range props {
			walkSchema(t, path+"/"+k, v.(map[string]any), freeForm)
		}
	}
	if pp, ok := s["patternProperties"].(map[string]any); ok {
		for _, v := range pp {
			walkSchema(t, path+"/*", v.(map[string]any), freeForm)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		walkSchema(t, path+"[]", items, freeForm)
	}
}

// TestREADMEDocumentsEveryValue checks that every leaf of values.yaml appears
// in the chart README's values table.
func TestREADMEDocumentsEveryValue(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir(t), "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	leaves := leafPaths("", values)
	if len(leaves) < 40 {
		t.Fatalf("found only %d leaves in values.yaml: %v", len(leaves), leaves)
	}
	for _, p := range leaves {
		if !strings.Contains(string(readme), "| `"+p+"` |") {
			t.Errorf("README.md does not document value %q (want a table row starting with | `%s` |)", p, p)
		}
	}
}

// leafPaths returns the dotted paths of the non-map values (an empty map is a leaf).
func leafPaths(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			out = append(out, leafPaths(p, sub)...)
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
