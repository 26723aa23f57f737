package policy

import (
	"fmt"
	"path"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Mutator is one mutation of the catalogue (IGR9xx). Apply changes obj.Body in
// place, only where something is missing, and reports whether it changed
// anything. Applying it to its own output must change nothing.
type Mutator struct {
	ID          string
	Title       string
	Description string
	Targets     []Kind
	// DefaultEnabled applies when the configuration does not say.
	DefaultEnabled bool
	// Params declares the mutator's tunables, with defaults (nil: none).
	Params ParamSet
	// Apply mutates obj with the mutator's parameters (see applyWith).
	Apply func(ctx *Context, obj *Object, p Params) (changed bool, err error)
	// Validate checks the effective parameters when the Engine is built, so a
	// bad configuration fails at load time, not at admission. Nil: nothing to check.
	Validate func(p Params) error
	// Notes explains, on the final object, what the mutator deliberately left
	// alone (e.g. an unparsable proxy config). Nil: never anything to say.
	Notes func(ctx *Context, obj *Object, p Params) []string
}

// MutatorSettings overrides one mutator. Nil Enabled keeps the default; nil
// Params keep the default parameters (else as in RuleSettings).
type MutatorSettings struct {
	Enabled *bool
	Params  Params
}

// MutationSettings holds settings shared by all mutators: scope and skips.
type MutationSettings struct {
	// Workloads also mutates the pod templates of Deployments, StatefulSets,
	// DaemonSets, ReplicaSets, Jobs and CronJobs (opt-in; Pods are always targets).
	Workloads bool
	// Namespaces applies IGR904 (revision label) to Namespaces on creation.
	Namespaces bool
	// SkipNamespaces are never mutated: names or path.Match globs. They add to
	// kube-system, kube-public and kube-node-lease, which are always skipped.
	SkipNamespaces []string
	// OwnNamespace is the guardrail's own namespace, always skipped. It comes
	// from the server's flags, not from the GuardrailConfig.
	OwnNamespace string
}

// MutationResult reports what Engine.Mutate did to one object.
type MutationResult struct {
	// Applied lists the IDs of the mutators that changed the object, in order.
	Applied []string
	// Skipped is the reason the object was not mutated at all ("" if it was considered).
	Skipped string
	// Notes are per-mutator remarks, e.g. "IGR903: proxy.istio.io/config is not valid YAML; left unchanged".
	Notes []string
}

// maxMutationRounds bounds the fixed-point iteration of Mutate. Every mutator
// is idempotent, so the second round must change nothing; the bound only turns
// a broken mutator into an error instead of a loop.
const maxMutationRounds = 5

// systemNamespaces are never mutated, whatever the configuration says.
func systemNamespaces() []string { return []string{"kube-system", "kube-public", "kube-node-lease"} }

type compiledMutator struct {
	m       *Mutator
	enabled bool
	params  Params
}

// mutationPlan is the ordered list of enabled mutators.
type mutationPlan struct {
	mutators []*compiledMutator
	settings MutationSettings
	// revisions is IGR904's mapping when IGR904 is enabled, else nil; the scope
	// check uses it to tell that a namespace is being brought into the mesh.
	revisions *revisionMap
}

func newMutationPlan(s Settings) (*mutationPlan, error) {
	known := map[string]bool{}
	plan := &mutationPlan{settings: s.Mutation}
	for _, m := range Mutators() {
		known[m.ID] = true
		cm, err := compileMutator(m, s.Mutators[m.ID])
		if err != nil {
			return nil, err
		}
		if cm.enabled {
			plan.mutators = append(plan.mutators, cm)
		}
	}
	ids := make([]string, 0, len(s.Mutators))
	for id := range s.Mutators {
		ids = append(ids, id)
	}
	sort.Strings(ids) // deterministic error text
	for _, id := range ids {
		if !known[id] {
			return nil, fmt.Errorf("unknown mutator %q", id)
		}
	}
	for _, g := range s.Mutation.SkipNamespaces {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("mutation skip namespace pattern %q: %w", g, err)
		}
	}
	for _, cm := range plan.mutators {
		if cm.m.ID == igr904 {
			rm, err := compileRevisions(cm.params.(*IGR904Params))
			if err != nil {
				return nil, fmt.Errorf("mutator %s: %w", igr904, err)
			}
			plan.revisions = rm
		}
	}
	return plan, nil
}

// compileMutator merges the settings of one mutator over its defaults and
// validates the result.
func compileMutator(m *Mutator, ms MutatorSettings) (*compiledMutator, error) {
	enabled := m.DefaultEnabled
	if ms.Enabled != nil {
		enabled = *ms.Enabled
	}
	params, err := effectiveParams("mutator "+m.ID, m.Params, ms.Params)
	if err != nil {
		return nil, err
	}
	if m.Validate != nil {
		if err := m.Validate(params); err != nil {
			return nil, fmt.Errorf("mutator %s: %w", m.ID, err)
		}
	}
	return &compiledMutator{m: m, enabled: enabled, params: params}, nil
}

// forKind returns the enabled mutators that target kind k, in order.
func (p *mutationPlan) forKind(k Kind) []*compiledMutator {
	var out []*compiledMutator
	for _, cm := range p.mutators {
		for _, t := range cm.m.Targets {
			if t == k {
				out = append(out, cm)
				break
			}
		}
	}
	return out
}

// Mutate applies the enabled mutators to obj.Body in place, in their fixed
// order (IGR901..IGR904), re-applying them until nothing changes. It returns
// why the object was skipped, or which mutators changed it, and records the
// latter in the AnnotationMutated annotation of the object. Mutating the
// result again changes nothing. An error means the mutators did not converge
// or one of them failed; obj may then be partly mutated and must be discarded.
//
// Namespace facts come from ctx.Namespaces. A namespace it does not know is
// treated as a namespace without labels: only pod-level signals (an injected
// istio-proxy, an istio.io/rev or sidecar.istio.io/inject=true label) or an
// IGR904 mapping by name or glob put the pod in the mesh.
func (e *Engine) Mutate(ctx *Context, obj *Object) (MutationResult, error) {
	ctx = e.withIstio(ctx)
	if reason := e.mutation.skipReason(ctx, obj); reason != "" {
		return MutationResult{Skipped: reason}, nil
	}
	muts := e.mutation.forKind(KindOf(obj.GroupKind))
	applied, err := converge(ctx, obj, muts)
	if err != nil {
		return MutationResult{}, err
	}
	recordMutated(obj, applied)
	return MutationResult{Applied: applied, Notes: notes(ctx, obj, muts)}, nil
}

// converge runs muts in order until a round changes nothing, and returns the
// IDs of the mutators that changed something, in mutator order.
func converge(ctx *Context, obj *Object, muts []*compiledMutator) ([]string, error) {
	changedBy := map[string]bool{}
	for range maxMutationRounds {
		changed := false
		for _, cm := range muts {
			c, err := cm.m.Apply(ctx, obj, cm.params)
			if err != nil {
				return nil, fmt.Errorf("mutator %s: %w", cm.m.ID, err)
			}
			if c {
				changed, changedBy[cm.m.ID] = true, true
			}
		}
		if !changed {
			var applied []string
			for _, cm := range muts {
				if changedBy[cm.m.ID] {
					applied = append(applied, cm.m.ID)
				}
			}
			return applied, nil
		}
	}
	return nil, fmt.Errorf("mutators did not converge after %d rounds", maxMutationRounds)
}

// notes collects the remarks of muts on the final object, prefixed by ID.
func notes(ctx *Context, obj *Object, muts []*compiledMutator) []string {
	var out []string
	for _, cm := range muts {
		if cm.m.Notes == nil {
			continue
		}
		for _, n := range cm.m.Notes(ctx, obj, cm.params) {
			out = append(out, cm.m.ID+": "+n)
		}
	}
	return out
}

// recordMutated adds applied to the AnnotationMutated annotation of the
// object (union with the IDs already there, sorted, comma-separated).
func recordMutated(obj *Object, applied []string) {
	if len(applied) == 0 {
		return
	}
	for _, m := range objectMetas(obj) {
		ids := map[string]bool{}
		for _, id := range strings.Split(m.Annotations[AnnotationMutated], ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids[id] = true
			}
		}
		for _, id := range applied {
			ids[id] = true
		}
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		sort.Strings(list)
		setAnnotation(m, AnnotationMutated, strings.Join(list, ","))
	}
}

// objectMetas returns the metadata of the object's body and obj.Meta, once
// each: decoders normally alias them, but a copy must not go stale.
func objectMetas(obj *Object) []*metav1.ObjectMeta {
	var out []*metav1.ObjectMeta
	if acc, ok := obj.Body.(metav1.ObjectMetaAccessor); ok {
		if m, ok := acc.GetObjectMeta().(*metav1.ObjectMeta); ok && m != nil {
			out = append(out, m)
		}
	}
	if obj.Meta != nil && (len(out) == 0 || out[0] != obj.Meta) {
		out = append(out, obj.Meta)
	}
	return out
}

// setAnnotation sets key=value in m, reporting whether it changed anything.
func setAnnotation(m *metav1.ObjectMeta, key, value string) bool {
	if v, ok := m.Annotations[key]; ok && v == value {
		return false
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[key] = value
	return true
}

// setLabel sets key=value in m, reporting whether it changed anything.
func setLabel(m *metav1.ObjectMeta, key, value string) bool {
	if v, ok := m.Labels[key]; ok && v == value {
		return false
	}
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	m.Labels[key] = value
	return true
}
