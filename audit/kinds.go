package audit

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Kinds returns the kinds an audit with eng lists (eng nil: with every rule
// enabled, what the chart's audit ClusterRole must grant list and watch on):
// those the enabled rules and mutators target plus those the cross-object
// index reads, Namespaces and injector configurations first (the per-object
// rules read namespace labels), then in name order. Kinds that are not API
// objects (Helm values documents) are left out.
func Kinds(eng *policy.Engine) []schema.GroupKind {
	seen := map[policy.Kind]bool{}
	var rest []policy.Kind
	add := func(k policy.Kind) {
		if seen[k] || k.GroupKind().Group == "istio-guardrail.io" {
			return
		}
		seen[k] = true
		rest = append(rest, k)
	}
	for _, r := range policy.Catalogue() {
		if eng != nil && eng.Action(r.ID) == policy.ActionOff {
			continue
		}
		for _, k := range r.Targets {
			add(k)
		}
	}
	for _, k := range policy.IndexKinds() {
		add(k)
	}
	first := map[policy.Kind]int{policy.KindNamespace: 0, policy.KindMutatingWebhook: 1}
	sort.SliceStable(rest, func(i, j int) bool {
		fi, iok := first[rest[i]]
		fj, jok := first[rest[j]]
		switch {
		case iok && jok:
			return fi < fj
		case iok != jok:
			return iok
		}
		return rest[i] < rest[j]
	})
	out := make([]schema.GroupKind, len(rest))
	for i, k := range rest {
		out[i] = k.GroupKind()
	}
	return out
}

// mappings resolves kinds to the resources the server serves, in the
// server's preferred version. Kinds it does not serve (Istio or cert-manager
// CRDs not installed) are returned apart.
func mappings(dc discovery.DiscoveryInterface, kinds []schema.GroupKind) (served []*meta.RESTMapping, missing []schema.GroupKind, err error) {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	for _, gk := range kinds {
		m, err := mapper.RESTMapping(gk)
		switch {
		case meta.IsNoMatchError(err):
			missing = append(missing, gk)
		case err != nil:
			return nil, nil, fmt.Errorf("discover %s: %w", gk, err)
		default:
			served = append(served, m)
		}
	}
	return served, missing, nil
}
