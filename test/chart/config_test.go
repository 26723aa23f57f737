package chart

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// guardrailConfig returns the parsed GuardrailConfig of the rendered ConfigMap.
func guardrailConfig(t *testing.T, m *rendered) *config.Config {
	t.Helper()
	var cm corev1.ConfigMap
	decodeInto(t, m, "ConfigMap", fullname, &cm)
	data, ok := cm.Data["config.yaml"]
	if !ok {
		t.Fatalf("ConfigMap has no config.yaml: %v", cm.Data)
	}
	cfg, err := config.Parse([]byte(data))
	if err != nil {
		t.Fatalf("config.Parse rejects the chart's GuardrailConfig: %v\n%s", err, data)
	}
	return cfg
}

// TestConfigMapParses checks that the rendered GuardrailConfig is accepted by
// the server's own strict parser, and that values reach it.
func TestConfigMapParses(t *testing.T) {
	tests := map[string]struct {
		values map[string]any
		check  func(t *testing.T, s policy.Settings)
	}{
		"defaults equal the built-in defaults": {nil, func(t *testing.T, s policy.Settings) {
			d := config.Default().Settings
			if !s.Mutation.Namespaces || s.Mutation.Workloads || strings.Join(s.Mutation.SkipNamespaces, ",") != strings.Join(d.Mutation.SkipNamespaces, ",") {
				t.Errorf("mutation settings %+v differ from the built-in defaults %+v", s.Mutation, d.Mutation)
			}
			if len(s.Rules) != 0 || len(s.ExemptNamespaces) != 0 || s.IstioVersion != "" {
				t.Errorf("default values must not override rules or exempt namespaces: %+v", s)
			}
		}},
		"rule action and parameters": {map[string]any{"config": map[string]any{"rules": map[string]any{
			"IGR101": map[string]any{"action": "warn", "params": map[string]any{"rootNamespace": "mesh-root"}},
			"IGR704": map[string]any{"action": "off"},
		}}}, func(t *testing.T, s policy.Settings) {
			if r := s.Rules["IGR101"]; r.Action != policy.ActionWarn || r.Params.(*policy.IGR101Params).RootNamespace != "mesh-root" {
				t.Errorf("IGR101 = %+v, want warn with rootNamespace mesh-root", r)
			}
			if s.Rules["IGR704"].Action != policy.ActionOff {
				t.Errorf("IGR704 = %+v, want off", s.Rules["IGR704"])
			}
		}},
		"istio version": {map[string]any{"config": map[string]any{"istioVersion": "1.26"}}, func(t *testing.T, s policy.Settings) {
			if s.IstioVersion != "1.26" {
				t.Errorf("istioVersion = %q, want 1.26", s.IstioVersion)
			}
		}},
		"exemptions and mutation scope": {map[string]any{"config": map[string]any{
			"exemptions": map[string]any{"namespaces": []string{"legacy-*"}},
			"mutation":   map[string]any{"workloads": true, "skipNamespaces": []string{"batch-*"}},
		}}, func(t *testing.T, s policy.Settings) {
			if strings.Join(s.ExemptNamespaces, ",") != "legacy-*" || !s.Mutation.Workloads || strings.Join(s.Mutation.SkipNamespaces, ",") != "batch-*" {
				t.Errorf("settings %+v do not carry the values", s)
			}
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.check(t, guardrailConfig(t, render(t, tc.values)).Settings)
		})
	}
}

// TestConfigMutatorsParse checks a mutator override against the catalogue's
// first mutator, so the test follows the catalogue.
func TestConfigMutatorsParse(t *testing.T) {
	ms := policy.Mutators()
	if len(ms) == 0 {
		t.Fatal("the mutator catalogue is empty")
	}
	id := ms[0].ID
	cfg := guardrailConfig(t, render(t, map[string]any{"config": map[string]any{"mutators": map[string]any{id: map[string]any{"enabled": false}}}}))
	if e := cfg.Settings.Mutators[id].Enabled; e == nil || *e {
		t.Errorf("mutator %s: enabled = %v, want false", id, e)
	}
}

// TestConfigMountedForHotReload checks the ConfigMap is mounted as a
// directory (a subPath mount never sees updates) and --config points into it.
func TestConfigMountedForHotReload(t *testing.T) {
	m := render(t, nil)
	d := deployment(t, m)
	vol := volume(d.Spec.Template.Spec.Volumes, "config")
	if vol == nil || vol.ConfigMap == nil || vol.ConfigMap.Name != fullname || len(vol.ConfigMap.Items) != 0 {
		t.Fatalf("config volume %+v must project the whole ConfigMap %s", vol, fullname)
	}
	c := container(t, d)
	mnt := mount(c.VolumeMounts, "config")
	if mnt == nil || mnt.SubPath != "" || mnt.SubPathExpr != "" || !mnt.ReadOnly {
		t.Fatalf("config mount %+v must be a read-only directory mount", mnt)
	}
	if got, _ := flag(c.Args, "config"); got != mnt.MountPath+"/config.yaml" {
		t.Errorf("--config = %q, want %s/config.yaml", got, mnt.MountPath)
	}
	if _, ok := d.Spec.Template.Annotations["checksum/config"]; ok {
		t.Error("a config checksum annotation would restart the pods instead of hot-reloading")
	}
}
