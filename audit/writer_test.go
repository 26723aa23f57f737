package audit

import (
	"testing"

	orfake "github.com/openreports/reports-api/pkg/client/clientset/versioned/fake"
	"golang.org/x/time/rate"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

func finding(rule string, a policy.Action) policy.Finding {
	return policy.Finding{Rule: rule, Action: a, Field: "spec", Message: "is wrong", Remediation: "fix it"}
}

func TestBuildReports(t *testing.T) {
	shop := policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"}
	pa := policy.ObjectRef{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Namespace: "shop", Name: "x"}
	mwc := policy.ObjectRef{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration", Name: "inj"}
	set := buildReports([]judged{
		{ref: shop, findings: []policy.Finding{finding("IGR805", policy.ActionWarn)}},
		{ref: pa, findings: []policy.Finding{finding("IGR101", policy.ActionDeny), finding("IGR809", policy.ActionAudit)}},
		{ref: policy.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "clean"}},
		{ref: policy.ObjectRef{Kind: "Pod", Namespace: "tools", Name: "clean"}},
		{ref: mwc, findings: []policy.Finding{finding("IGR999", policy.ActionWarn)}},
	}, 2, nil)
	if len(set.namespaced) != 1 || set.namespaced["shop"] == nil {
		t.Fatalf("want one Report, in shop (tools has no finding), got %v", set.namespaced)
	}
	r := set.namespaced["shop"]
	if s := r.Summary; s.Pass != 1 || s.Fail != 1 || s.Warn != 2 {
		t.Errorf("summary %+v, want pass 1 (the clean pod), fail 1, warn 2", s)
	}
	if len(r.Results) != 2 || r.Results[0].Policy != "IGR101" || r.Results[0].Result != "fail" || r.Results[0].Severity != "high" {
		t.Errorf("results capped at 2, failures first: %+v", r.Results)
	}
	if r.Configuration.Limits.MaxResults != 2 || r.Scope.Kind != "Namespace" || r.Scope.Name != "shop" {
		t.Errorf("configuration %+v scope %+v", r.Configuration, r.Scope)
	}
	if set.cluster == nil || len(set.cluster.Results) != 1 || set.cluster.Results[0].Subjects[0].Name != "inj" {
		t.Errorf("the cluster-scoped finding belongs in the ClusterReport: %+v", set.cluster)
	}
}

// writes counts the create, update and delete calls a fake clientset saw.
func writes(c *orfake.Clientset) int {
	n := 0
	for _, a := range c.Actions() {
		switch a.(type) {
		case k8stesting.CreateAction, k8stesting.UpdateAction, k8stesting.DeleteAction:
			n++
		}
	}
	return n
}

func TestWriterWritesOnlyChanges(t *testing.T) {
	ctx := t.Context()
	client := orfake.NewSimpleClientset()
	w := &writer{client: client, id: "a", limiter: rate.NewLimiter(rate.Inf, 1)}
	if err := w.load(ctx); err != nil {
		t.Fatal(err)
	}
	pa := policy.ObjectRef{Kind: "PeerAuthentication", Namespace: "shop", Name: "x"}
	first := []judged{{ref: pa, findings: []policy.Finding{finding("IGR101", policy.ActionDeny)}}}
	if n, _, err := w.publish(ctx, buildReports(first, 10, nil)); err != nil || n != 1 {
		t.Fatalf("first publish wrote %d (%v), want 1", n, err)
	}
	before := writes(client)
	if n, u, err := w.publish(ctx, buildReports(first, 10, nil)); err != nil || n != 0 || u != 1 {
		t.Fatalf("unchanged publish wrote %d, unchanged %d (%v), want 0 and 1", n, u, err)
	}
	// A new leader reads the hash back and does not rewrite either.
	w2 := &writer{client: client, id: "b", limiter: rate.NewLimiter(rate.Inf, 1)}
	if err := w2.load(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, err := w2.publish(ctx, buildReports(first, 10, nil)); err != nil || n != 0 {
		t.Fatalf("new leader rewrote %d unchanged reports (%v)", n, err)
	}
	if writes(client) != before {
		t.Fatalf("API writes went from %d to %d for unchanged content", before, writes(client))
	}
	// The finding is fixed: the namespace's Report goes.
	if n, _, err := w2.publish(ctx, buildReports(nil, 10, nil)); err != nil || n != 1 {
		t.Fatalf("publish after the fix wrote %d (%v), want 1 (the delete)", n, err)
	}
	list, err := client.OpenreportsV1alpha1().Reports("").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("reports left: %v (%v)", list, err)
	}
}
