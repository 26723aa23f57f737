package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// SARIF constants.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	toolURI      = "https://github.com/istio-guardrail/istio-guardrail"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
	Properties           sarifProps     `json:"properties"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifProps struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// SARIF writes a SARIF 2.1.0 log: one reporting descriptor per catalogue
// rule (so code-scanning UIs show titles and help) and one result per finding.
func SARIF(w io.Writer, r *Report) error {
	rules, index := sarifRules(policy.Catalogue())
	results := []sarifResult{}
	for _, e := range r.Findings() {
		results = append(results, sarifResultOf(e, index[e.Rule]))
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:    sarifTool{Driver: sarifDriver{Name: "istio-guardrail", Version: r.Version, InformationURI: toolURI, Rules: rules}},
		Results: results,
	}}}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// sarifRules describes the catalogue and indexes it by rule ID.
func sarifRules(cat []*policy.Rule) ([]sarifRule, map[string]int) {
	out := make([]sarifRule, 0, len(cat))
	index := make(map[string]int, len(cat))
	for i, rule := range cat {
		index[rule.ID] = i
		out = append(out, sarifRule{
			ID:               rule.ID,
			Name:             identifier(rule.Title),
			ShortDescription: sarifText{Text: rule.Title},
			FullDescription:  sarifText{Text: rule.Description},
			Help: sarifText{
				Text:     "Fix: " + rule.Remediation,
				Markdown: "**" + rule.Title + "**\n\n" + rule.Description + "\n\n**Fix:** " + rule.Remediation,
			},
			HelpURI:              toolURI + "/blob/main/docs/rules.md#" + strings.ToLower(rule.ID),
			DefaultConfiguration: sarifRuleLevel{Level: level(rule.DefaultAction)},
			Properties:           sarifProps{Tags: targetTags(rule.Targets)},
		})
	}
	return out, index
}

func sarifResultOf(e Entry, ruleIndex int) sarifResult {
	ref := e.Object
	name := ref.Name
	if ref.Namespace != "" {
		name = ref.Namespace + "/" + ref.Name
	}
	return sarifResult{
		RuleID:    e.Rule,
		RuleIndex: ruleIndex,
		Level:     level(e.Action),
		Message:   sarifText{Text: e.String()},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: fileURI(e.File)},
				Region:           sarifRegion{StartLine: max(e.Line, 1)},
			},
			LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: ref.String(), Kind: "object"}},
		}},
	}
}

// level maps an action to a SARIF level.
func level(a policy.Action) string {
	switch a {
	case policy.ActionDeny:
		return "error"
	case policy.ActionWarn:
		return "warning"
	case policy.ActionAudit:
		return "note"
	}
	return "none"
}

// fileURI renders a path as a relative URI reference ("<stdin>" is escaped).
func fileURI(file string) string {
	return (&url.URL{Path: filepath.ToSlash(file)}).String()
}

// identifier turns a title into a PascalCase SARIF rule name.
func identifier(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func targetTags(kinds []policy.Kind) []string {
	tags := []string{"istio", "security"}
	for _, k := range kinds {
		tags = append(tags, k.GroupKind().Kind)
	}
	return tags
}
