package policy

import "fmt"

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
	Params         []ParamSpec
	Apply          func(ctx *Context, obj *Object, p Params) (changed bool, err error)
}

// MutatorSettings overrides one mutator. Nil Enabled keeps the default.
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
	// SkipNamespaces are never mutated: names or path.Match globs.
	// Default when nil: kube-system, kube-public, kube-node-lease.
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

type compiledMutator struct {
	m       *Mutator
	enabled bool
	params  Params
}

// mutationPlan is the ordered list of enabled mutators.
type mutationPlan struct {
	mutators []*compiledMutator
}

func newMutationPlan(s Settings) (*mutationPlan, error) {
	known := map[string]bool{}
	plan := &mutationPlan{}
	for _, m := range Mutators() {
		known[m.ID] = true
		ms := s.Mutators[m.ID]
		enabled := m.DefaultEnabled
		if ms.Enabled != nil {
			enabled = *ms.Enabled
		}
		params, err := merge("mutator "+m.ID, m.Params, ms.Params)
		if err != nil {
			return nil, err
		}
		if enabled {
			plan.mutators = append(plan.mutators, &compiledMutator{m: m, enabled: enabled, params: params})
		}
	}
	for id := range s.Mutators {
		if !known[id] {
			return nil, fmt.Errorf("unknown mutator %q", id)
		}
	}
	return plan, nil
}
