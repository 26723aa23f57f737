package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestChartRequiresKubernetes130 checks the chart's kubeVersion: the
// `sleep` preStop action (the chart's and the one the mutator adds) needs
// Kubernetes 1.30, so helm must refuse older clusters.
func TestChartRequiresKubernetes130(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir(t), "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		KubeVersion string `json:"kubeVersion"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.KubeVersion != ">=1.30.0-0" {
		t.Errorf("Chart.yaml kubeVersion = %q, want >=1.30.0-0", meta.KubeVersion)
	}
	tests := []struct {
		desc, version string
		wantOK        bool
	}{
		{desc: "1.29 is refused", version: "v1.29.9", wantOK: false},
		{desc: "1.30 is accepted", version: "v1.30.0", wantOK: true},
		{desc: "the e2e API server's version is accepted", version: kubeVersion, wantOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, stderr, err := helm(t, "template", release, chartDir(t), "--namespace", namespace, "--kube-version", tc.version)
			if (err == nil) != tc.wantOK {
				t.Fatalf("helm template --kube-version %s: err = %v, want ok=%v\n%s", tc.version, err, tc.wantOK, stderr)
			}
			if !tc.wantOK && !strings.Contains(stderr, "kubeVersion") {
				t.Errorf("refusal does not name kubeVersion:\n%s", stderr)
			}
		})
	}
}

// Names of Istio's injector configurations: the default one, revisioned
// ones and the revision tags that istioctl creates.
var istioInjectorConfigs = []string{"istio-revision-tag-default", "istio-revision-tag-canary", "istio-sidecar-injector", "istio-sidecar-injector-1-31"}

// TestMutatingWebhookOrderAgainstIstioInjector checks that the default
// release name (the README's `helm install istio-guardrail ...`) yields a
// MutatingWebhookConfiguration that sorts before Istio's injector
// configurations (the API server calls mutating webhooks in name order and
// the injector is not reinvoked), and that NOTES.txt warns exactly when a
// release name sorts after them.
func TestMutatingWebhookOrderAgainstIstioInjector(t *testing.T) {
	tests := []struct {
		desc, release string
		values        map[string]any
		wantBefore    bool
		wantWarning   bool
	}{
		{desc: "the README's release name", release: "istio-guardrail", wantBefore: true},
		{desc: "a release name prefixed before istio", release: "guardrail", wantBefore: true},
		{desc: "a release name that sorts after istio", release: "sm", wantBefore: false, wantWarning: true},
		{desc: "fullnameOverride fixes a late release name", release: "sm",
			values: map[string]any{"fullnameOverride": "istio-guardrail"}, wantBefore: true},
		{desc: "no warning without the mutating webhook", release: "sm",
			values: map[string]any{"webhook": map[string]any{"mutating": map[string]any{"enabled": false}}}, wantBefore: false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			m, notes := renderWithNotes(t, tc.release, tc.values)
			if name, ok := mutatingConfigName(m); ok {
				for _, istio := range istioInjectorConfigs {
					if before := name < istio; before != tc.wantBefore {
						t.Errorf("%q sorts before %q: %v, want %v", name, istio, before, tc.wantBefore)
					}
				}
			}
			if warned := strings.Contains(notes, "WARNING: the MutatingWebhookConfiguration"); warned != tc.wantWarning {
				t.Errorf("NOTES.txt warns about webhook order: %v, want %v\n%s", warned, tc.wantWarning, notes)
			}
		})
	}
}

// mutatingConfigName returns the name of the rendered MutatingWebhookConfiguration.
func mutatingConfigName(m *rendered) (string, bool) {
	for _, o := range m.objects {
		if o.Kind == "MutatingWebhookConfiguration" {
			var c admissionregistrationv1.MutatingWebhookConfiguration
			if yaml.Unmarshal(o.JSON, &c) == nil {
				return c.Name, true
			}
		}
	}
	return "", false
}

// renderWithNotes renders the chart as release with values and returns the
// objects and the rendered NOTES.txt. `helm template` does not render
// NOTES.txt, so a copy of the chart carries the real NOTES.txt as a named
// template and emits it in a ConfigMap.
func renderWithNotes(t *testing.T, releaseName string, values map[string]any) (*rendered, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "istio-guardrail")
	if err := os.CopyFS(dir, os.DirFS(chartDir(t))); err != nil {
		t.Fatal(err)
	}
	notes, err := os.ReadFile(filepath.Join(dir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"_notes_under_test.tpl": `{{- define "notes-under-test" -}}` + string(notes) + `{{- end }}`,
		"notes_under_test.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\n" +
			"data:\n  notes: {{ include \"notes-under-test\" . | quote }}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, "templates", name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if values == nil {
		values = map[string]any{}
	}
	out, stderr, err := helm(t, "template", releaseName, dir, "--namespace", namespace, "--kube-version", kubeVersion, "-f", valuesFile(t, values))
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	m, err := parseManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	decodeLoose(t, m, "ConfigMap", "notes-under-test", &cm)
	return m, cm.Data["notes"]
}
