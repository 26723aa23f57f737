package webhooks

import (
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// TestMutatorWithRealEngine runs the real mutators on a pod in an injected
// namespace: the patch must apply to the raw request, keep fields the Go
// types do not know, and a second pass over the result must be a no-op.
func TestMutatorWithRealEngine(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Policy: fakePolicy(eng), Decode: manifest.FromJSON,
		Namespaces: policy.NamespaceLabels{"mesh": {"istio-injection": "enabled"}}}
	h := NewReviewHandler(NewMutator(o), 0, nil)
	raw := podJSON(map[string]string{}, `,"futureField":{"keep":true}`)
	req := request(admissionv1.Create, podKind, "mesh", raw)
	resp := decodeResponse(t, serve(h, reviewBody(t, req), "application/json").Body.Bytes(), req.UID, false)
	if !resp.Allowed || len(resp.Patch) == 0 {
		t.Fatalf("want an allowed response with a patch, got allowed=%v patch=%s warnings=%q", resp.Allowed, resp.Patch, resp.Warnings)
	}
	p, err := jsonpatch.DecodePatch(resp.Patch)
	if err != nil {
		t.Fatal(err)
	}
	mutated, err := p.Apply(raw)
	if err != nil {
		t.Fatalf("patch does not apply to the raw request: %v", err)
	}
	if !strings.Contains(string(mutated), `"futureField":{"keep":true}`) {
		t.Errorf("unknown field removed: %s", mutated)
	}
	if !strings.Contains(string(mutated), policy.AnnotationMutated) {
		t.Errorf("mutated object lacks the %s annotation: %s", policy.AnnotationMutated, mutated)
	}
	again := request(admissionv1.Create, podKind, "mesh", mutated)
	resp2 := decodeResponse(t, serve(h, reviewBody(t, again), "application/json").Body.Bytes(), again.UID, false)
	if len(resp2.Patch) != 0 {
		t.Errorf("second pass is not a no-op: patch %s", resp2.Patch)
	}
}
