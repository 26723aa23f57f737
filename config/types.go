package config

import (
	"reflect"
	"sync"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// GuardrailConfig is the document: decoded strictly (every unknown key and
// every value of the wrong type is an error with its line), then checked by
// Validate. The desc tags are the comments of `config default` and the
// descriptions of the chart's values schema; chart:"-" keys are not chart
// values (the chart writes apiVersion and kind itself; exclude is `check`'s).
type GuardrailConfig struct {
	APIVersion   string     `yaml:"apiVersion" chart:"-"`
	Kind         string     `yaml:"kind" chart:"-"`
	IstioVersion string     `yaml:"istioVersion" desc:"The Istio release whose behaviour is judged where it changed between releases (sidecar.istio.io/inject values, ENABLE_NATIVE_SIDECARS); empty: the newest release the catalogue knows." pattern:"^(v?1\\.[0-9]+(\\.[0-9]+)?(-[0-9A-Za-z.-]+)?)?$"`
	Exclude      []string   `yaml:"exclude,omitempty" chart:"-" desc:"Paths check does not read when it walks a directory (globs as --exclude, to which they add; the server ignores them)." example:"[legacy, \"charts/**\"]"`
	Rules        Rules      `yaml:"rules" desc:"Per rule, by rule ID: action deny, warn, audit or off, and parameters."`
	Exemptions   Exemptions `yaml:"exemptions" desc:"Namespaces in which no validation rule runs, and which rules objects may exempt themselves from with the istio-guardrail.io/exempt and istio-guardrail.io/exempt-reason (required) annotations."`
	Mutation     Mutation   `yaml:"mutation" desc:"Scope of the mutating webhook. Pods on CREATE are always targets."`
	Mutators     Mutators   `yaml:"mutators" desc:"Per mutator, by mutator ID: enabled, and parameters."`
}

// Exemptions is the exemptions section.
type Exemptions struct {
	Namespaces           []string `yaml:"namespaces" items:"name" desc:"Namespaces (names or globs such as legacy-*) in which no validation rule runs."`
	AnnotationNamespaces []string `yaml:"annotationNamespaces,omitempty" nullable:"true" items:"name" desc:"Namespaces (names or globs) where exemption annotations are honoured at all; unset: every namespace. Elsewhere they are ignored and IGR001 warns." example:"[legacy-*]"`
	// AllowedRules: absent is the default, none; null every rule; a list those.
	AllowedRules []string `yaml:"allowedRules" nullable:"true" items:"rule" desc:"Rules objects may exempt themselves from with the exemption annotations. Anyone who may edit an object may annotate it, so by default ([]) annotations exempt from nothing: list the rules an administrator allows, e.g. [IGR203, IGR204] (null allows every rule). Exemptions naming other rules are ignored and IGR001 warns; honoured ones are logged (decision=exempted) and counted (istio_guardrail_exemptions_total{rule})."`
}

// Mutation is the mutation section.
type Mutation struct {
	Workloads      bool     `yaml:"workloads" desc:"Also mutate the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs."`
	Namespaces     bool     `yaml:"namespaces" desc:"Add the istio.io/rev revision label (IGR904) to Namespaces on creation."`
	SkipNamespaces []string `yaml:"skipNamespaces" items:"name" desc:"Never mutated, in addition to kube-system, kube-public, kube-node-lease and the guardrail's own namespace, which always are (names or globs)."`
}

// RuleConfig overrides one rule. Params is nil or the rule's parameter
// struct, holding its defaults overridden by the document.
type RuleConfig struct {
	Action policy.Action `yaml:"action,omitempty"`
	Params policy.Params `yaml:"params,omitempty"`
}

// MutatorConfig overrides one mutator, as RuleConfig does a rule.
type MutatorConfig struct {
	Enabled *bool         `yaml:"enabled,omitempty"`
	Params  policy.Params `yaml:"params,omitempty"`
}

// Rules holds the rules section by rule ID.
type Rules map[string]RuleConfig

// Mutators holds the mutators section by mutator ID.
type Mutators map[string]MutatorConfig

// entry is one rule or mutator as its section declares it: the key of its
// flag (action or enabled), the flag's type and its parameters.
type entry struct {
	id, title string
	flagKey   string
	flagType  reflect.Type
	params    policy.ParamSet
}

func ruleEntries() []entry {
	var out []entry
	for _, r := range policy.Catalogue() {
		out = append(out, entry{r.ID, r.Title, "action", reflect.TypeFor[policy.Action](), r.Params})
	}
	return out
}

func mutatorEntries() []entry {
	var out []entry
	for _, m := range policy.Mutators() {
		out = append(out, entry{m.ID, m.Title, "enabled", reflect.TypeFor[*bool](), m.Params})
	}
	return out
}

// sectionType is the Go type a rules or mutators section is decoded into: a
// struct with one optional field per ID, holding the flag and, when the ID
// has parameters, its parameter struct. The zero-size ID field makes each
// entry's type distinct, so error messages can name it.
func sectionType(entries []entry) reflect.Type {
	fields := make([]reflect.StructField, len(entries))
	for i, e := range entries {
		inner := []reflect.StructField{
			{Name: "ID", Type: reflect.TypeFor[struct{}](), Tag: reflect.StructTag(`yaml:"-" id:"` + e.id + `"`)},
			{Name: "Flag", Type: e.flagType, Tag: reflect.StructTag(`yaml:"` + e.flagKey + `"`)},
		}
		if e.params != nil {
			inner = append(inner, reflect.StructField{Name: "Params", Type: reflect.TypeOf(e.params.New()), Tag: `yaml:"params"`})
		}
		fields[i] = reflect.StructField{Name: e.id, Type: reflect.PointerTo(reflect.StructOf(inner)), Tag: reflect.StructTag(`yaml:"` + e.id + `"`)}
	}
	return reflect.StructOf(fields)
}

// The section types of the catalogue, which is fixed.
var (
	rulesType    = sync.OnceValue(func() reflect.Type { return sectionType(ruleEntries()) })
	mutatorsType = sync.OnceValue(func() reflect.Type { return sectionType(mutatorEntries()) })
)

// UnmarshalYAML decodes the rules section strictly (see decodeSection).
func (r *Rules) UnmarshalYAML(unmarshal func(any) error) error {
	*r = Rules{}
	return decodeSection(unmarshal, ruleEntries(), rulesType(), func(id string, flag any, p policy.Params) {
		(*r)[id] = RuleConfig{Action: flag.(policy.Action), Params: p}
	})
}

// UnmarshalYAML decodes the mutators section strictly (see decodeSection).
func (m *Mutators) UnmarshalYAML(unmarshal func(any) error) error {
	*m = Mutators{}
	return decodeSection(unmarshal, mutatorEntries(), mutatorsType(), func(id string, flag any, p policy.Params) {
		(*m)[id] = MutatorConfig{Enabled: flag.(*bool), Params: p}
	})
}

// decodeSection decodes a section keyed by ID into sectionType, with the
// decoder of the whole document (so unknown keys and wrong types are errors
// with their lines), each present ID's parameters decoded over its defaults.
func decodeSection(unmarshal func(any) error, entries []entry, t reflect.Type, set func(id string, flag any, p policy.Params)) error {
	var present map[string]any
	_ = unmarshal(&present) // which IDs are present; the strict pass reports the errors
	v := reflect.New(t).Elem()
	for i, e := range entries {
		if _, ok := present[e.id]; !ok {
			continue
		}
		in := reflect.New(v.Field(i).Type().Elem())
		if e.params != nil {
			in.Elem().Field(2).Set(reflect.ValueOf(e.params.New()))
		}
		v.Field(i).Set(in)
	}
	err := unmarshal(v.Addr().Interface())
	for i, e := range entries {
		in := v.Field(i)
		if in.IsNil() {
			continue
		}
		var p policy.Params
		if e.params != nil && !in.Elem().Field(2).IsNil() {
			p = in.Elem().Field(2).Interface()
		}
		set(e.id, in.Elem().Field(1).Interface(), p)
	}
	return err
}
