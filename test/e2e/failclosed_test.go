package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestFailClosedAndSelfExclusion stops the webhook server while its
// configurations stay registered with failurePolicy Fail: nothing in the
// excluded namespaces may depend on it, and guarded requests fail closed.
func TestFailClosedAndSelfExclusion(t *testing.T) {
	guarded := meshNamespace(t)
	outside := newNamespace(t, nil)
	if err := env.Guardrail.Stop(); err != nil {
		t.Fatalf("stop the guardrail: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := env.Guardrail.Start(ctx); err != nil {
			t.Fatalf("restart the guardrail: %v", err)
		}
		if err := env.WaitEnforcing(ctx); err != nil {
			t.Fatalf("guardrail not enforcing after restart: %v", err)
		}
	})

	cases := map[string]struct {
		namespace    string
		wantClosed   bool
		podClosedToo bool
	}{
		"kube-system is excluded":                   {"kube-system", false, false},
		"kube-node-lease is excluded":               {"kube-node-lease", false, false},
		"the guardrail's own namespace is excluded": {env.Namespace, false, false},
		"a guarded namespace fails closed":          {guarded, true, true},
		// Blast radius: Pods outside the mesh never reach the guardrail,
		// while Istio objects there are still guarded.
		"a namespace outside the mesh keeps creating pods": {outside, true, false},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			for i, manifest := range []string{pod("failclosed"), testdata(t, "hardened/peerauthentication.yaml")} {
				r := kubectl(t, manifest, "apply", "-n", tc.namespace, "-f", "-")
				if !tc.wantClosed || (i == 0 && !tc.podClosedToo) {
					requireAllowed(t, r)
					continue
				}
				if r.Err == nil || !strings.Contains(r.Stderr, "failed calling webhook") {
					t.Fatalf("want the request refused because the webhook is unreachable:\n%s", r)
				}
			}
		})
	}
}
