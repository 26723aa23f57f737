package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

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
func Default() *Config {
	return &Config{Settings: policy.Settings{
		ExemptableRules: []string{},
		Mutation:        policy.MutationSettings{Namespaces: true, SkipNamespaces: []string{}},
	}}
}

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
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: a GuardrailConfig file holds exactly one document", extra.Line)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("empty document: want apiVersion: " + APIVersion + ", kind: " + Kind)
	}
	d := &decoder{}
	cfg := Default()
	d.document(doc.Content[0], cfg)
	if err := errors.Join(d.errs...); err != nil {
		return nil, err
	}
	if _, err := policy.NewEngine(cfg.Settings); err != nil {
		return nil, fmt.Errorf("invalid settings: %w", err)
	}
	return cfg, nil
}
