package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// update sends a server-side dry-run UPDATE.
func (v *vapCluster) update(ctx context.Context, u *unstructured.Unstructured) error {
	r, _ := gvr(u)
	opts := metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}
	var err error
	if u.GetNamespace() == "" {
		_, err = v.dyn.Resource(r).Update(ctx, u, opts)
	} else {
		_, err = v.dyn.Resource(r).Namespace(u.GetNamespace()).Update(ctx, u, opts)
	}
	v.warnings.take()
	return err
}

// persist creates u for real (under a config that does not deny it).
func (v *vapCluster) persist(t *testing.T, u *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	r, _ := gvr(u)
	var out *unstructured.Unstructured
	var err error
	if u.GetNamespace() == "" {
		out, err = v.dyn.Resource(r).Create(t.Context(), u, metav1.CreateOptions{})
	} else {
		out, err = v.dyn.Resource(r).Namespace(u.GetNamespace()).Create(t.Context(), u, metav1.CreateOptions{})
	}
	requireNoErr(t, err)
	v.warnings.take()
	return out
}

// testVAPUpdates: a metadata-only UPDATE of an object that was admitted
// before the rule denied it is allowed unless it adds a finding (the
// webhook's ratcheting); a spec change gets the full verdict.
func testVAPUpdates(t *testing.T, v *vapCluster) {
	ns := "vap-update"
	requireNoErr(t, v.c.CreateNamespace(t.Context(), ns, nil))
	v.install(t, formSettings(policy.ActionWarn))
	v.waitFor(t, "warning", func(err error, w []string) bool {
		return err == nil && strings.Contains(strings.Join(w, " "), "IGR101")
	})
	pa := v.persist(t, &unstructured.Unstructured{Object: obj("security.istio.io/v1", "PeerAuthentication", ns, "ratchet",
		map[string]any{"mtls": map[string]any{"mode": "PERMISSIVE"}})})
	nsObj := v.persist(t, &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "vap-both-labels", "labels": map[string]any{"istio-injection": "enabled", "istio.io/rev": "canary"}}}})
	v.install(t, formSettings(""))
	v.waitFor(t, "denying", func(err error, _ []string) bool { return err != nil && strings.Contains(err.Error(), "IGR101") })
	// Each kind has its own policy, which the API server picks up on its
	// own: wait until the Namespace policy denies too.
	requireNoErr(t, framework.Poll(t.Context(), 30*time.Second, 200*time.Millisecond, func(ctx context.Context) error {
		err, _ := v.dryRunCreate(ctx, &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": "vap-probe-both-labels", "labels": map[string]any{"istio-injection": "enabled", "istio.io/rev": "canary"}}}})
		if err != nil && strings.Contains(err.Error(), "IGR701") {
			return nil
		}
		return fmt.Errorf("the Namespace policy does not deny yet: %v", err)
	}))

	labelled := pa.DeepCopy()
	labelled.SetLabels(map[string]string{"team": "shop"})
	if err := v.update(t.Context(), labelled); err != nil {
		t.Errorf("a metadata-only update of a pre-existing violation was refused: %v", err)
	}
	weaker := pa.DeepCopy()
	requireNoErr(t, unstructured.SetNestedField(weaker.Object, "DISABLE", "spec", "mtls", "mode"))
	requireVAPDenied(t, v.update(t.Context(), weaker), "IGR101")

	same := nsObj.DeepCopy()
	l := same.GetLabels()
	l["team"] = "shop"
	same.SetLabels(l)
	if err := v.update(t.Context(), same); err != nil {
		t.Errorf("a label update that keeps the same IGR701 finding was refused: %v", err)
	}
	moved := nsObj.DeepCopy()
	l = moved.GetLabels()
	l["istio.io/rev"] = "stable"
	moved.SetLabels(l)
	requireVAPDenied(t, v.update(t.Context(), moved), "IGR701")
}

// testVAPExemptions: exemption annotations and namespace globs are honoured
// exactly where the engine honours them.
func testVAPExemptions(t *testing.T, v *vapCluster) {
	s := formSettings("")
	s.ExemptableRules = []string{"IGR101"}
	s.ExemptAnnotationNamespaces = []string{"vap-ex-*"}
	s.ExemptNamespaces = []string{"vap-skip-?"}
	v.install(t, s)
	eng := mustEngine(t, s)
	for _, ns := range []string{"vap-ex-1", "vap-skip-1", "vap-skip-10", "vap-other"} {
		requireNoErr(t, v.c.CreateNamespace(t.Context(), ns, nil))
	}
	pa := func(ns string, ann map[string]any) *unstructured.Unstructured {
		o := obj("security.istio.io/v1", "PeerAuthentication", ns, "exempt", map[string]any{"mtls": map[string]any{"mode": "PERMISSIVE"}})
		if ann != nil {
			o["metadata"].(map[string]any)["annotations"] = ann
		}
		return &unstructured.Unstructured{Object: o}
	}
	reason := map[string]any{policy.AnnotationExempt: " IGR203, IGR101 ", policy.AnnotationExemptReason: "legacy, PLAT-1"}
	cases := map[string]*unstructured.Unstructured{
		"honoured":                      pa("vap-ex-1", reason),
		"blank reason":                  pa("vap-ex-1", map[string]any{policy.AnnotationExempt: "IGR101", policy.AnnotationExemptReason: "  "}),
		"other rule":                    pa("vap-ex-1", map[string]any{policy.AnnotationExempt: "IGR102", policy.AnnotationExemptReason: "x"}),
		"annotations not honoured here": pa("vap-other", reason),
		"exempt namespace by glob":      pa("vap-skip-1", nil),
		"glob matches one character":    pa("vap-skip-10", nil),
	}
	// The new params and bindings reach the API server's informers
	// asynchronously: wait until the glob exemption is in force.
	requireNoErr(t, framework.Poll(t.Context(), 30*time.Second, 200*time.Millisecond, func(ctx context.Context) error {
		if err, _ := v.dryRunCreate(ctx, cases["exempt namespace by glob"]); err != nil {
			return err
		}
		return nil
	}))
	outcomes := map[string]bool{}
	for desc, u := range cases {
		want := engineVerdict(t, eng, u)[policy.ActionDeny]
		err, _ := v.dryRunCreate(t.Context(), u)
		outcomes[desc] = err != nil
		switch {
		case len(want) == 0 && err != nil:
			t.Errorf("%s: the engine allows it, the policies refused it: %v", desc, err)
		case len(want) > 0 && (err == nil || !slices.Contains(want, ruleIDs(err.Error())[0])):
			t.Errorf("%s: the engine denies %v, the policies answered %v", desc, want, err)
		}
	}
	if outcomes["honoured"] || outcomes["exempt namespace by glob"] || !outcomes["blank reason"] || !outcomes["glob matches one character"] {
		t.Errorf("the cases do not exercise both verdicts: denied %v", outcomes)
	}
}
