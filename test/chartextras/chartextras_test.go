package chartextras

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

const (
	root  = "../.."
	chart = root + "/charts/istio-guardrail"
)

// render runs helm template with --set values and returns the documents.
func render(t *testing.T, sets ...string) []map[string]any {
	t.Helper()
	args := []string{"template", "rel", chart, "-n", "guard", "--kube-version", "v1.37.2"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.CommandContext(t.Context(), filepath.Join(root, "bin", "helm"), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm template: %v\n%s", err, errb.String())
	}
	var docs []map[string]any
	for _, d := range strings.Split(out.String(), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("rendered YAML: %v\n%s", err, d)
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
	return docs
}

// ofKind returns the rendered objects of kind.
func ofKind(docs []map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, d := range docs {
		if d["kind"] == kind {
			out = append(out, d)
		}
	}
	return out
}

// get walks a decoded object by keys.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// exported are the metrics the server registers (webhooks/metrics.go).
var exported = []string{
	webhooks.MetricRequests, webhooks.MetricFindings, webhooks.MetricRequestDuration, webhooks.MetricCertificateExpiry,
	webhooks.MetricConfigReloads, webhooks.MetricMutations, webhooks.MetricExemptions, webhooks.MetricRequestsRejected,
}

// TestDashboardUsesTheExportedMetrics: every istio_guardrail_ metric the
// dashboard queries is one the server exports, and every exported metric
// has a panel.
func TestDashboardUsesTheExportedMetrics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chart, "dashboards", "istio-guardrail.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	metric := regexp.MustCompile(`istio_guardrail_[a-z_]+`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metric.FindAllString(tg.Expr, -1) {
				if strings.HasSuffix(m, "_bucket") && slices.Contains(exported, strings.TrimSuffix(m, "_bucket")) {
					m = strings.TrimSuffix(m, "_bucket")
				}
				if !slices.Contains(exported, m) {
					t.Errorf("panel %q queries %s, which the server does not export", p.Title, m)
				}
				used[m] = true
			}
		}
	}
	for _, m := range exported {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

// TestDashboardConfigMap: off by default; on, one ConfigMap with the
// sidecar's label holding the dashboard file unchanged.
func TestDashboardConfigMap(t *testing.T) {
	if cms := ofKind(render(t), "ConfigMap"); len(cms) != 1 {
		t.Fatalf("by default the chart renders %d ConfigMaps, want only the GuardrailConfig one", len(cms))
	}
	file, err := os.ReadFile(filepath.Join(chart, "dashboards", "istio-guardrail.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs := render(t, "monitoring.grafanaDashboard.enabled=true", "monitoring.grafanaDashboard.namespace=monitoring",
		"monitoring.grafanaDashboard.folder=Istio")
	var dash map[string]any
	for _, cm := range ofKind(docs, "ConfigMap") {
		if get(cm, "metadata", "name") == "rel-istio-guardrail-dashboard" {
			dash = cm
		}
	}
	if dash == nil {
		t.Fatal("no dashboard ConfigMap")
	}
	checks := map[string][2]any{
		"label":     {get(dash, "metadata", "labels", "grafana_dashboard"), "1"},
		"namespace": {get(dash, "metadata", "namespace"), "monitoring"},
		"folder":    {get(dash, "metadata", "annotations", "grafana_folder"), "Istio"},
		"content":   {get(dash, "data", "istio-guardrail.json"), strings.TrimSuffix(string(file), "\n")},
	}
	for desc, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", desc, c[0], c[1])
		}
	}
}

// TestPriorityClassQuota: off by default; on, a quota scoped to the pods'
// priority class with room for a rolling update, or the given pod count.
func TestPriorityClassQuota(t *testing.T) {
	if q := ofKind(render(t), "ResourceQuota"); len(q) != 0 {
		t.Fatalf("by default the chart renders %d ResourceQuotas", len(q))
	}
	tests := []struct {
		desc string
		sets []string
		pods string
	}{
		{"twice the replicas by default", []string{"priorityClassQuota.enabled=true", "replicaCount=4"}, "8"},
		{"an explicit pod count", []string{"priorityClassQuota.enabled=true", "priorityClassQuota.pods=5"}, "5"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			qs := ofKind(render(t, tc.sets...), "ResourceQuota")
			if len(qs) != 1 {
				t.Fatalf("%d ResourceQuotas", len(qs))
			}
			q := qs[0]
			expr, _ := get(q, "spec", "scopeSelector", "matchExpressions").([]any)
			if len(expr) != 1 || get(expr[0], "scopeName") != "PriorityClass" || get(expr[0], "operator") != "In" ||
				!slices.Equal(toStrings(get(expr[0], "values")), []string{"system-cluster-critical"}) {
				t.Errorf("scope selector %v does not select the pods' priority class", expr)
			}
			if got := get(q, "spec", "hard", "pods"); got != tc.pods || get(q, "metadata", "namespace") != "guard" {
				t.Errorf("pods %v in %v, want %s in guard", got, get(q, "metadata", "namespace"), tc.pods)
			}
		})
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestArtifactHubAnnotations: the annotations parse as ArtifactHub reads
// them, and the image they list is the one the chart deploys.
func TestArtifactHubAnnotations(t *testing.T) {
	var meta struct {
		AppVersion  string            `json:"appVersion"`
		Annotations map[string]string `json:"annotations"`
	}
	var values struct {
		Image struct {
			Repository string `json:"repository"`
		} `json:"image"`
	}
	for path, v := range map[string]any{"Chart.yaml": &meta, "values.yaml": &values} {
		data, err := os.ReadFile(filepath.Join(chart, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, v); err != nil {
			t.Fatal(err)
		}
	}
	var links []struct{ Name, URL string }
	var images []struct{ Name, Image string }
	var changes []struct{ Kind, Description string }
	for key, v := range map[string]any{"artifacthub.io/links": &links, "artifacthub.io/images": &images, "artifacthub.io/changes": &changes} {
		if err := yaml.UnmarshalStrict([]byte(meta.Annotations[key]), v); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	if len(links) == 0 || len(images) != 1 || len(changes) == 0 {
		t.Fatalf("links %v, images %v, changes %v", links, images, changes)
	}
	for _, l := range links {
		if l.Name == "" || !strings.HasPrefix(l.URL, "https://") {
			t.Errorf("link %+v", l)
		}
	}
	if want := values.Image.Repository + ":" + meta.AppVersion; images[0].Image != want {
		t.Errorf("artifacthub.io/images lists %s, the chart deploys %s", images[0].Image, want)
	}
	kinds := []string{"added", "changed", "deprecated", "removed", "fixed", "security"}
	for _, c := range changes {
		if !slices.Contains(kinds, c.Kind) || c.Description == "" {
			t.Errorf("change %+v (kind must be one of %v)", c, kinds)
		}
	}
	var keys []string
	for k := range meta.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, "artifacthub.io/") {
			t.Errorf("unexpected annotation %s", k)
		}
	}
}
