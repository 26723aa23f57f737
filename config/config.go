package config

import (
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// The document's type.
const (
	APIVersion = "istio-guardrail.io/v1alpha1"
	Kind       = "GuardrailConfig"
)

// Config is a decoded, validated GuardrailConfig.
type Config struct {
	// Settings configure policy.NewEngine.
	Settings policy.Settings
	// Source is the file it was read from ("" for the built-in defaults).
	Source string
	// Exclude are path globs `check` does not read while walking a
	// directory, added to its --exclude flags (the server ignores them).
	Exclude []string
}

// Default returns the built-in defaults: every rule at its default action and
// parameters (the seed production values), exemption annotations that exempt
// from nothing (an administrator opts rules in with exemptions.allowedRules),
// and mutation of Pods and Namespaces.
func Default() *Config { return defaultDocument().config() }

// Load reads and parses the GuardrailConfig at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Source = path
	return cfg, nil
}

// Parse decodes one GuardrailConfig document strictly and checks that the
// engine accepts it. Every problem found is reported, each with its line.
func Parse(data []byte) (*Config, error) {
	doc, pos, problems, err := decode(data)
	if err != nil {
		return nil, err
	}
	if err := render(pos, problems, doc.Validate()); err != nil {
		return nil, err
	}
	cfg := doc.config()
	if _, err := policy.NewEngine(cfg.Settings); err != nil {
		return nil, fmt.Errorf("invalid settings: %w", err)
	}
	return cfg, nil
}

// Validate checks what the types do not: the document's type, the Istio
// release, actions, rule IDs and globs.
func (g *GuardrailConfig) Validate() field.ErrorList {
	var errs field.ErrorList
	if g.APIVersion != APIVersion {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), g.APIVersion, "must be "+strconv.Quote(APIVersion)))
	}
	if g.Kind != Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), g.Kind, "must be "+strconv.Quote(Kind)))
	}
	if _, err := policy.ParseIstioVersion(g.IstioVersion); err != nil {
		errs = append(errs, field.Invalid(field.NewPath("istioVersion"), g.IstioVersion,
			strings.TrimPrefix(err.Error(), "istioVersion "+strconv.Quote(g.IstioVersion)+": ")))
	}
	errs = append(errs, globs(field.NewPath("exclude"), g.Exclude)...)
	actions := []policy.Action{policy.ActionDeny, policy.ActionWarn, policy.ActionAudit, policy.ActionOff}
	for _, id := range slices.Sorted(maps.Keys(g.Rules)) {
		if a := g.Rules[id].Action; a != "" && !a.Valid() {
			errs = append(errs, field.NotSupported(field.NewPath("rules", id, "action"), a, actions))
		}
	}
	ex := field.NewPath("exemptions")
	errs = append(errs, globs(ex.Child("namespaces"), g.Exemptions.Namespaces)...)
	errs = append(errs, globs(ex.Child("annotationNamespaces"), g.Exemptions.AnnotationNamespaces)...)
	known := map[string]bool{}
	for _, r := range policy.Catalogue() {
		known[r.ID] = true
	}
	for i, id := range g.Exemptions.AllowedRules {
		if !known[id] {
			errs = append(errs, field.Invalid(ex.Child("allowedRules").Index(i), id, "unknown rule (see `istio-guardrail rules`)"))
		}
	}
	return append(errs, globs(field.NewPath("mutation", "skipNamespaces"), g.Mutation.SkipNamespaces)...)
}

// globs checks path.Match patterns.
func globs(p *field.Path, patterns []string) field.ErrorList {
	var errs field.ErrorList
	for i, g := range patterns {
		if _, err := path.Match(g, ""); err != nil {
			errs = append(errs, field.Invalid(p.Index(i), g, err.Error()))
		}
	}
	return errs
}

// config converts a valid document into the engine's settings.
func (g *GuardrailConfig) config() *Config {
	s := policy.Settings{
		IstioVersion:               g.IstioVersion,
		ExemptNamespaces:           g.Exemptions.Namespaces,
		ExemptableRules:            g.Exemptions.AllowedRules,
		ExemptAnnotationNamespaces: g.Exemptions.AnnotationNamespaces,
		Mutation: policy.MutationSettings{Workloads: g.Mutation.Workloads, Namespaces: g.Mutation.Namespaces,
			SkipNamespaces: g.Mutation.SkipNamespaces},
	}
	if g.Rules != nil {
		s.Rules = map[string]policy.RuleSettings{}
		for id, r := range g.Rules {
			s.Rules[id] = policy.RuleSettings{Action: r.Action, Params: r.Params}
		}
	}
	if g.Mutators != nil {
		s.Mutators = map[string]policy.MutatorSettings{}
		for id, m := range g.Mutators {
			s.Mutators[id] = policy.MutatorSettings{Enabled: m.Enabled, Params: m.Params}
		}
	}
	return &Config{Settings: s, Exclude: g.Exclude}
}
