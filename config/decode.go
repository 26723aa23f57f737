package config

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// decoder walks the YAML node tree, collecting every error with its line.
type decoder struct {
	errs []error
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("line %d: %s", n.Line, fmt.Sprintf(format, args...)))
}

// entry is one key/value pair of a mapping.
type entry struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// mapping returns the entries of a mapping node, reporting duplicate keys and
// keys outside allowed (nil allows any key).
func (d *decoder) mapping(n *yaml.Node, what string, allowed ...string) []entry {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping", what)
		return nil
	}
	seen := map[string]bool{}
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			d.errorf(k, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		if len(allowed) > 0 && !contains(allowed, k.Value) {
			d.errorf(k, "unknown key %q in %s (known keys: %s)", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		out = append(out, entry{key: k.Value, keyN: k, value: v})
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *decoder) document(n *yaml.Node, cfg *Config) {
	s := &cfg.Settings
	entries := d.mapping(n, "GuardrailConfig", "apiVersion", "kind", "istioVersion", "exclude", "rules", "exemptions", "mutation", "mutators")
	var apiVersion, kind string
	for _, e := range entries {
		switch e.key {
		case "apiVersion":
			apiVersion = d.str(e.value, "apiVersion")
		case "kind":
			kind = d.str(e.value, "kind")
		case "exclude":
			cfg.Exclude = d.strs(e.value, "exclude")
			for _, g := range cfg.Exclude {
				if _, err := path.Match(g, ""); err != nil {
					d.errorf(e.value, "exclude %q: %v", g, err)
				}
			}
		case "istioVersion":
			s.IstioVersion = d.str(e.value, "istioVersion")
			if _, err := policy.ParseIstioVersion(s.IstioVersion); err != nil {
				d.errorf(e.value, "%v", err)
			}
		case "rules":
			d.rules(e.value, s)
		case "exemptions":
			d.exemptions(e.value, s)
		case "mutation":
			d.mutation(e.value, &s.Mutation)
		case "mutators":
			d.mutators(e.value, s)
		}
	}
	if apiVersion != APIVersion {
		d.errorf(n, "apiVersion must be %q, got %q", APIVersion, apiVersion)
	}
	if kind != Kind {
		d.errorf(n, "kind must be %q, got %q", Kind, kind)
	}
}

// exemptions decodes the exemptions section: namespaces; allowedRules, the
// rule IDs objects may exempt themselves from by annotation (absent: the
// default, none; an explicit null: every rule; a list: those); and
// annotationNamespaces, the namespaces (names or globs) where those
// annotations are honoured at all (absent or null: every namespace).
// Annotations are written by whoever may edit the object, a tenant; the
// configuration by an administrator: so by default they exempt from nothing.
func (d *decoder) exemptions(n *yaml.Node, s *policy.Settings) {
	for _, x := range d.mapping(n, "exemptions", "namespaces", "allowedRules", "annotationNamespaces") {
		switch x.key {
		case "namespaces":
			s.ExemptNamespaces = d.strs(x.value, "exemptions.namespaces")
		case "allowedRules":
			s.ExemptableRules = d.ruleIDs(x.value, "exemptions.allowedRules")
		case "annotationNamespaces":
			if v := resolveAlias(x.value); v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				s.ExemptAnnotationNamespaces = nil
				continue
			}
			s.ExemptAnnotationNamespaces = d.strs(x.value, "exemptions.annotationNamespaces")
		}
	}
}

// ruleIDs decodes a list of catalogue rule IDs; null yields nil.
func (d *decoder) ruleIDs(n *yaml.Node, what string) []string {
	if n = resolveAlias(n); n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	ids := d.strs(n, what)
	known := map[string]bool{}
	for _, r := range policy.Catalogue() {
		known[r.ID] = true
	}
	for i, id := range ids {
		if id != "" && !known[id] {
			d.errorf(n.Content[i], "%s: unknown rule %q (see `istio-guardrail rules`)", what, id)
		}
	}
	return ids
}

// perID walks a mapping keyed by rule or mutator ID (section "rules" or
// "mutators"), reports unknown IDs and keys other than flag and params, and
// hands each known ID's fields and parameter specs to each.
func (d *decoder) perID(n *yaml.Node, section, noun string, specs map[string][]policy.ParamSpec, flag string,
	each func(id string, fields []entry, ps []policy.ParamSpec)) {
	for _, e := range d.mapping(n, section) {
		ps, ok := specs[e.key]
		if !ok {
			d.errorf(e.keyN, "unknown %s %q (see `istio-guardrail rules`)", noun, e.key)
			continue
		}
		each(e.key, d.mapping(e.value, section+"."+e.key, flag, "params"), ps)
	}
}

func (d *decoder) rules(n *yaml.Node, s *policy.Settings) {
	specs := map[string][]policy.ParamSpec{}
	for _, r := range policy.Catalogue() {
		specs[r.ID] = r.Params
	}
	s.Rules = map[string]policy.RuleSettings{}
	d.perID(n, "rules", "rule", specs, "action", func(id string, fields []entry, ps []policy.ParamSpec) {
		var rs policy.RuleSettings
		for _, x := range fields {
			switch x.key {
			case "action":
				a := policy.Action(d.str(x.value, "action"))
				if !a.Valid() {
					d.errorf(x.value, "rules.%s.action: %q is not one of deny, warn, audit, off", id, a)
				}
				rs.Action = a
			case "params":
				rs.Params = d.params(x.value, "rules."+id+".params", ps)
			}
		}
		s.Rules[id] = rs
	})
}

func (d *decoder) mutation(n *yaml.Node, m *policy.MutationSettings) {
	for _, e := range d.mapping(n, "mutation", "workloads", "namespaces", "skipNamespaces") {
		switch e.key {
		case "workloads":
			m.Workloads = d.boolean(e.value, "mutation.workloads")
		case "namespaces":
			m.Namespaces = d.boolean(e.value, "mutation.namespaces")
		case "skipNamespaces":
			m.SkipNamespaces = d.strs(e.value, "mutation.skipNamespaces")
		}
	}
}

func (d *decoder) mutators(n *yaml.Node, s *policy.Settings) {
	specs := map[string][]policy.ParamSpec{}
	for _, m := range policy.Mutators() {
		specs[m.ID] = m.Params
	}
	s.Mutators = map[string]policy.MutatorSettings{}
	d.perID(n, "mutators", "mutator", specs, "enabled", func(id string, fields []entry, ps []policy.ParamSpec) {
		var ms policy.MutatorSettings
		for _, x := range fields {
			switch x.key {
			case "enabled":
				b := d.boolean(x.value, "mutators."+id+".enabled")
				ms.Enabled = &b
			case "params":
				ms.Params = d.params(x.value, "mutators."+id+".params", ps)
			}
		}
		s.Mutators[id] = ms
	})
}

// params decodes a params mapping against the declared specs.
func (d *decoder) params(n *yaml.Node, what string, specs []policy.ParamSpec) policy.Params {
	names := make([]string, len(specs))
	byName := map[string]policy.ParamSpec{}
	for i, s := range specs {
		names[i] = s.Name
		byName[s.Name] = s
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{"(none)"}
	}
	out := policy.Params{}
	for _, e := range d.mapping(n, what, names...) {
		if v, ok := d.param(e.value, what+"."+e.key, byName[e.key].Type); ok {
			out[e.key] = v
		}
	}
	return out
}

// param decodes one scalar or list as the declared type.
func (d *decoder) param(n *yaml.Node, what string, t policy.ParamType) (any, bool) {
	n = resolveAlias(n)
	if t == policy.ParamStrings {
		return d.strs(n, what), true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be a %s", what, t)
		return nil, false
	}
	switch t {
	case policy.ParamInt:
		v, err := strconv.ParseInt(n.Value, 10, 0)
		if err == nil && v >= math.MinInt32 && v <= math.MaxInt32 {
			return int(v), true
		}
	case policy.ParamFloat:
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && n.Tag != "!!str" {
			return v, true
		}
	case policy.ParamBool:
		if n.Tag == "!!bool" {
			return n.Value == "true", true
		}
	case policy.ParamString:
		return n.Value, true
	case policy.ParamDuration:
		if v, err := time.ParseDuration(n.Value); err == nil && v >= 0 {
			return v, true
		}
	case policy.ParamQuantity:
		if _, err := resource.ParseQuantity(n.Value); err == nil {
			return n.Value, true
		}
	}
	d.errorf(n, "%s: %q is not a valid %s%s", what, n.Value, t, typeHint(t))
	return nil, false
}

func typeHint(t policy.ParamType) string {
	switch t {
	case policy.ParamDuration:
		return " (e.g. 10s, 1m30s)"
	case policy.ParamQuantity:
		return " (e.g. 100m, 128Mi)"
	case policy.ParamBool:
		return " (true or false)"
	}
	return ""
}

func (d *decoder) str(n *yaml.Node, what string) string {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "%s must be a string", what)
		return ""
	}
	return n.Value
}

func (d *decoder) boolean(n *yaml.Node, what string) bool {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, "%s must be true or false", what)
		return false
	}
	return n.Value == "true"
}

func (d *decoder) strs(n *yaml.Node, what string) []string {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return []string{}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list of strings", what)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, d.str(c, what+" item"))
	}
	return out
}
