package mutate

import (
	"encoding/json"
	"os"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// previewLookup mirrors the CLI: Namespaces seen so far, and the CLI's
// default assumption (istio-injection=enabled) for the others.
type previewLookup map[string]map[string]string

// NamespaceLabels implements policy.NamespaceLookup.
func (p previewLookup) NamespaceLabels(name string) (map[string]string, bool) {
	if l, ok := p[name]; ok {
		return l, true
	}
	return map[string]string{"istio-injection": "enabled"}, true
}

// webhookMutate sends every document of file through the real mutating
// handler as a CREATE request (Namespaces first, as the CLI does), applies
// the returned JSON patch to the raw object and returns the results in input
// order.
func webhookMutate(t *testing.T, configFile, file string) []any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs, errs := manifest.Parse(file, data, manifest.Options{})
	if len(errs) > 0 {
		t.Fatalf("parse %s: %v", file, errs)
	}
	lookup := previewLookup{}
	handler := webhooks.NewMutator(webhooks.Options{
		Policy: newPolicy(t, configFile), Decode: manifest.FromJSON, Namespaces: lookup,
	})
	out := make([]any, len(docs))
	for _, nsPass := range []bool{true, false} {
		for i, d := range docs {
			isNS := policy.KindOf(d.Object.GroupKind) == policy.KindNamespace
			if isNS != nsPass {
				continue
			}
			patched := admit(t, handler, d)
			out[i] = decodeJSON(t, patched)
			if isNS {
				lookup[d.Object.Meta.Name] = labelsOf(t, patched)
			}
		}
	}
	return out
}

// newPolicy builds the engine the CLI builds: the config, with workloads on.
func newPolicy(t *testing.T, configFile string) *webhooks.Policy {
	t.Helper()
	cfg := config.Default()
	if configFile != "" {
		var err error
		if cfg, err = config.Load(configFile); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Settings.Mutation.Workloads = true
	eng, err := policy.NewEngine(cfg.Settings)
	if err != nil {
		t.Fatal(err)
	}
	p := webhooks.NewPolicy(nil, nil)
	p.Set(eng)
	return p
}

// admit sends one document and returns its raw JSON with the patch applied.
func admit(t *testing.T, h *webhooks.Mutator, d manifest.Document) []byte {
	t.Helper()
	gk := d.Object.GroupKind
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       types.UID("golden"),
		Kind:      metav1.GroupVersionKind{Group: gk.Group, Version: d.Object.Version, Kind: gk.Kind},
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: d.Raw},
	}}
	if d.Object.Meta != nil && policy.KindOf(gk) != policy.KindNamespace {
		req.Namespace = d.Object.Meta.Namespace
	}
	resp := h.Handle(t.Context(), req)
	if !resp.Allowed {
		t.Fatalf("webhook refused %s: %v", gk.Kind, resp.Result)
	}
	if len(resp.Patches) == 0 {
		return d.Raw
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatalf("decode patch %s: %v", ops, err)
	}
	patched, err := patch.Apply(d.Raw)
	if err != nil {
		t.Fatalf("apply patch %s: %v", ops, err)
	}
	return patched
}

// labelsOf returns metadata.labels of a raw object.
func labelsOf(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var o struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	return o.Metadata.Labels
}
