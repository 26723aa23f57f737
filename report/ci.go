package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// GitHub writes GitHub Actions workflow commands, one annotation per
// finding (deny: error, warn: warning, audit: notice) and per input
// error, then the text summary line.
func GitHub(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, e := range r.Findings() {
		fmt.Fprintf(bw, "::%s file=%s,line=%d,title=%s::%s\n", githubLevel(e.Action),
			ghProperty(r.path(e.File)), max(e.Line, 1), ghProperty(e.Rule+" "+e.Object.String()), ghData(e.Short()))
	}
	for _, p := range r.Errors {
		props := "title=istio-guardrail input error"
		if p.File != "" {
			props = fmt.Sprintf("file=%s,line=%d,%s", ghProperty(r.path(p.File)), max(p.Line, 1), props)
		}
		fmt.Fprintf(bw, "::error %s::%s\n", props, ghData(p.Message))
	}
	s := r.Summary()
	fmt.Fprintf(bw, "istio-guardrail: %s, %s (%d skipped): %d deny, %d warn, %d audit, %s\n",
		plural(s.Files, "file"), plural(s.Objects, "object"), s.Skipped, s.Deny, s.Warn, s.Audit, plural(s.Errors, "error"))
	return bw.Flush()
}

func githubLevel(a policy.Action) string {
	switch a {
	case policy.ActionDeny:
		return "error"
	case policy.ActionWarn:
		return "warning"
	}
	return "notice"
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// path is a file relative to RepoRoot when inside it, else as given.
func (r *Report) path(file string) string {
	if rel, ok := r.relPath(file); ok {
		return rel
	}
	return file
}

// gitlabIssue is one entry of a GitLab Code Quality report.
type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

// GitLab writes a GitLab Code Quality report (a JSON array): one issue per
// finding and per input error, paths relative to RepoRoot.
func GitLab(w io.Writer, r *Report) error {
	issues := []gitlabIssue{}
	seen := occurrences{}
	for _, e := range r.Findings() {
		p := r.path(e.File)
		issues = append(issues, gitlabIssue{
			Description: e.String(), CheckName: e.Rule, Fingerprint: seen.next(Fingerprint(e, p)),
			Severity: gitlabSeverity(e.Action), Location: gitlabLocation{Path: p, Lines: gitlabLines{Begin: max(e.Line, 1)}},
		})
	}
	for _, pr := range r.Errors {
		p := r.path(pr.File)
		e := Entry{Finding: policy.Finding{Rule: "input-error", Message: pr.Message}, File: p, Line: pr.Line}
		issues = append(issues, gitlabIssue{
			Description: pr.Message, CheckName: "input-error", Fingerprint: Fingerprint(e, fmt.Sprintf("%s:%d:%s", p, pr.Line, pr.Message)),
			Severity: "blocker", Location: gitlabLocation{Path: p, Lines: gitlabLines{Begin: max(pr.Line, 1)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}

func gitlabSeverity(a policy.Action) string {
	switch a {
	case policy.ActionDeny:
		return "critical"
	case policy.ActionWarn:
		return "minor"
	}
	return "info"
}
