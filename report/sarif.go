package report

import (
	"encoding/json"
	"fmt"
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
	Tool               sarifTool                `json:"tool"`
	Invocations        []sarifInvocation        `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifact `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult            `json:"results"`
}

// sarifInvocation says whether the run succeeded: a run with unreadable
// or undecodable inputs is not successful, whatever its results.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	ExitCode            int                 `json:"exitCode"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
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
	// SecuritySeverity is GitHub code scanning's severity score (0-10).
	SecuritySeverity string `json:"security-severity"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
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
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// srcRoot is the uriBaseId of paths relative to Report.RepoRoot.
const srcRoot = "%SRCROOT%"

// fingerprintKey names our partialFingerprints entry; the suffix is the
// version of Fingerprint's recipe.
const fingerprintKey = "istioGuardrailFinding/v1"

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// SARIF writes a SARIF 2.1.0 log: one reporting descriptor per catalogue
// rule (so code-scanning UIs show titles and help), one result per finding
// and one suppressed result per exempted rule of an object, and an
// invocation that is successful only when every input was read and decoded
// (each that was not is a notification). Locations are relative to
// Report.RepoRoot (uriBaseId %SRCROOT%) when it is set.
func SARIF(w io.Writer, r *Report) error {
	cat := policy.Catalogue()
	rules, index := sarifRules(cat)
	results := []sarifResult{}
	for _, e := range r.Findings() {
		results = append(results, r.sarifResultOf(e, index[e.Rule]))
	}
	for _, o := range r.Objects {
		for _, x := range o.Exempted {
			if i, ok := index[x.Rule]; ok {
				results = append(results, r.sarifExempted(o, x, i, cat[i]))
			}
		}
	}
	seen := occurrences{}
	for i := range results {
		results[i].PartialFingerprints[fingerprintKey] = seen.next(results[i].PartialFingerprints[fingerprintKey])
	}
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: "istio-guardrail", Version: r.Version, InformationURI: toolURI, Rules: rules}},
		Invocations: []sarifInvocation{r.sarifInvocation()},
		Results:     results,
	}
	if r.RepoRoot != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifact{srcRoot: {URI: fileURL(r.RepoRoot, true)}}
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func (r *Report) sarifInvocation() sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0, ExitCode: r.ExitCode()}
	for _, p := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{Text: p.Message}}
		if p.File != "" {
			n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: r.artifact(p.File), Region: sarifRegion{StartLine: max(p.Line, 1)}}}}
		}
		inv.Notifications = append(inv.Notifications, n)
	}
	return inv
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
			Properties:           sarifProps{Tags: targetTags(rule.Targets), SecuritySeverity: securitySeverity(rule.DefaultAction)},
		})
	}
	return out, index
}

// securitySeverity scores a rule for GitHub code scanning by its default
// action: deny is high (7.0-8.9), warn medium (4.0-6.9), audit low.
func securitySeverity(a policy.Action) string {
	switch a {
	case policy.ActionDeny:
		return "8.0"
	case policy.ActionWarn:
		return "5.0"
	}
	return "2.0"
}

func (r *Report) sarifResultOf(e Entry, ruleIndex int) sarifResult {
	art := r.artifact(e.File)
	return sarifResult{
		RuleID:              e.Rule,
		RuleIndex:           ruleIndex,
		Level:               level(e.Action),
		Message:             sarifText{Text: e.String()},
		Locations:           []sarifLocation{objectLocation(art, e.Line, e.Object)},
		PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(e, art.URI)},
	}
}

// sarifExempted is the suppressed result of an exemption annotation.
func (r *Report) sarifExempted(o ObjectResult, x policy.Exemption, ruleIndex int, rule *policy.Rule) sarifResult {
	art := r.artifact(o.File)
	e := Entry{Finding: policy.Finding{Rule: x.Rule, Object: o.Ref, Field: "metadata.annotations[" + policy.AnnotationExempt + "]"}, File: o.File}
	return sarifResult{
		RuleID:    x.Rule,
		RuleIndex: ruleIndex,
		Level:     level(rule.DefaultAction),
		Message: sarifText{Text: fmt.Sprintf("%s %s: %s exempted by %s: %s",
			x.Rule, o.Ref.String(), plural(x.Suppressed, "finding"), policy.AnnotationExempt, x.Reason)},
		Locations:           []sarifLocation{objectLocation(art, max(o.ExemptLine, o.Line), o.Ref)},
		PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(e, art.URI)},
		Suppressions:        []sarifSuppression{{Kind: "inSource", Justification: x.Reason}},
	}
}

func objectLocation(art sarifArtifact, line int, ref policy.ObjectRef) sarifLocation {
	name := ref.Name
	if ref.Namespace != "" {
		name = ref.Namespace + "/" + ref.Name
	}
	return sarifLocation{
		PhysicalLocation: sarifPhysical{ArtifactLocation: art, Region: sarifRegion{StartLine: max(line, 1)}},
		LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: ref.String(), Kind: "object"}},
	}
}

// relPath returns file relative to RepoRoot, slash-separated, when the
// report has a root and file is inside it.
func (r *Report) relPath(file string) (string, bool) {
	if r.RepoRoot == "" || file == "" || strings.HasPrefix(file, "<") {
		return "", false
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(r.RepoRoot, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// artifact locates a file: relative to %SRCROOT% when inside RepoRoot,
// an absolute file URI when outside it, else the path as given.
func (r *Report) artifact(file string) sarifArtifact {
	if rel, ok := r.relPath(file); ok {
		return sarifArtifact{URI: fileURI(rel), URIBaseID: srcRoot}
	}
	if r.RepoRoot != "" && !strings.HasPrefix(file, "<") {
		if abs, err := filepath.Abs(file); err == nil {
			return sarifArtifact{URI: fileURL(abs, false)}
		}
	}
	return sarifArtifact{URI: fileURI(file)}
}

// fileURL renders an absolute path as a file:// URI (with a trailing
// slash for a directory).
func fileURL(abs string, dir bool) string {
	p := filepath.ToSlash(abs)
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
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
