package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// The release every test renders: names below are derived from it exactly as
// the chart's helpers derive them.
const (
	release   = "rel"
	namespace = "guardrail-system"
	fullname  = "rel-istio-guardrail"
)

// kubeVersion is the Kubernetes version the chart is rendered and linted
// for: the e2e API server's. Without a cluster, helm assumes an old version
// that the chart's kubeVersion (>=1.30) refuses.
const kubeVersion = "v1.37.2"

// repoRoot is the module root.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// chartDir is the chart under test.
func chartDir(t *testing.T) string { return filepath.Join(repoRoot(t), "charts", "istio-guardrail") }

// helmBin returns bin/helm. A missing binary is a failure, not a skip: the
// chart claims in its README are only covered when these tests run.
func helmBin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "bin", "helm")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("helm not found at %s (run `make tools`): %v", p, err)
	}
	return p
}

// modes are the installations the chart supports; every structural test runs
// over all of them.
var modes = map[string]map[string]any{
	"default (self-managed certificates)":    {},
	"cert-manager with the chart's CA chain": {"certManager": map[string]any{"enabled": true}},
	"cert-manager with a given issuer": {"certManager": map[string]any{"enabled": true,
		"issuerRef": map[string]any{"name": "corp-ca", "kind": "ClusterIssuer"}}},
	"monitoring on": {"monitoring": map[string]any{
		"serviceMonitor": map[string]any{"enabled": true},
		"prometheusRule": map[string]any{"enabled": true}}},
	"network policy on":  {"networkPolicy": map[string]any{"enabled": true}},
	"workload mutation":  {"config": map[string]any{"mutation": map[string]any{"workloads": true}}},
	"validation ignored": {"webhook": map[string]any{"failurePolicy": "Ignore"}},
}

// sortedModes returns the mode names in a stable order.
func sortedModes() []string {
	names := make([]string, 0, len(modes))
	for n := range modes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// valuesFile writes values to a temporary file for `-f`.
func valuesFile(t *testing.T, values map[string]any) string {
	t.Helper()
	data, err := yaml.Marshal(values)
	if err != nil {
		t.Fatalf("marshal values: %v", err)
	}
	// Not t.TempDir: helm splits -f on commas, which subtest names may hold.
	f, err := os.CreateTemp("", "chart-values-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(f.Name()) })
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// helm runs bin/helm with args and returns stdout, stderr and the error.
func helm(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helmBin(t), args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// templateArgs builds `helm template` arguments for values.
func templateArgs(t *testing.T, values map[string]any) []string {
	return []string{"template", release, chartDir(t), "--namespace", namespace, "--kube-version", kubeVersion, "-f", valuesFile(t, values)}
}

// render runs `helm template` with values and decodes the output.
func render(t *testing.T, values map[string]any) *rendered {
	t.Helper()
	out, stderr, err := helm(t, templateArgs(t, values)...)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	m, err := parseManifest(out)
	if err != nil {
		t.Fatalf("decode rendered chart: %v\n%s", err, out)
	}
	return m
}

// object is one rendered document.
type object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	JSON       []byte
}

// rendered is the decoded output of `helm template`.
type rendered struct {
	objects []object
}

// parseManifest splits a multi-document YAML stream into objects.
func parseManifest(s string) (*rendered, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	m := &rendered{}
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return m, nil
			}
			return nil, err
		}
		if doc == nil {
			continue
		}
		data, err := yaml.Marshal(doc)
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, err
		}
		meta, _ := doc["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		apiVersion, _ := doc["apiVersion"].(string)
		kind, _ := doc["kind"].(string)
		m.objects = append(m.objects, object{APIVersion: apiVersion, Kind: kind, Name: name, Namespace: ns, JSON: js})
	}
}

// names returns the names of the objects of kind, sorted.
func (m *rendered) names(kind string) []string {
	var out []string
	for _, o := range m.objects {
		if o.Kind == kind {
			out = append(out, o.Name)
		}
	}
	sort.Strings(out)
	return out
}

// find returns the object of kind and name, or nil.
func (m *rendered) find(kind, name string) *object {
	for i := range m.objects {
		if m.objects[i].Kind == kind && m.objects[i].Name == name {
			return &m.objects[i]
		}
	}
	return nil
}

// decodeInto decodes the object of kind and name into a typed struct,
// strictly: a field the Go type does not know (a typo in a template) fails.
func decodeInto(t *testing.T, m *rendered, kind, name string, into any) {
	t.Helper()
	o := m.find(kind, name)
	if o == nil {
		t.Fatalf("rendered chart has no %s %q (has %s)", kind, name, m.summary())
		return
	}
	if err := yaml.UnmarshalStrict(o.JSON, into); err != nil {
		t.Fatalf("%s %s does not decode strictly into %T: %v", kind, name, into, err)
	}
}

// decodeLoose decodes an object into a struct that declares only the fields
// a test reads (for kinds whose Go types are not a dependency of the module).
func decodeLoose(t *testing.T, m *rendered, kind, name string, into any) {
	t.Helper()
	o := m.find(kind, name)
	if o == nil {
		t.Fatalf("rendered chart has no %s %q (has %s)", kind, name, m.summary())
		return
	}
	if err := yaml.Unmarshal(o.JSON, into); err != nil {
		t.Fatalf("%s %s: %v", kind, name, err)
	}
}

// summary lists "Kind/name" of every object, for failure messages.
func (m *rendered) summary() string {
	parts := make([]string, 0, len(m.objects))
	for _, o := range m.objects {
		parts = append(parts, fmt.Sprintf("%s/%s", o.Kind, o.Name))
	}
	return strings.Join(parts, ", ")
}

// merge returns a deep copy of base with overlay's keys set on top.
func merge(base, overlay map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range overlay {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}
