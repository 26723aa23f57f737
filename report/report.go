package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Entry is a finding located in an input file.
type Entry struct {
	policy.Finding
	File string
	Line int
}

// ObjectResult is the outcome for one decoded object.
type ObjectResult struct {
	File string
	Line int
	Ref  policy.ObjectRef
	// Findings are the object's findings, located.
	Findings []Entry
	// Skipped is true when no rule covers the kind (or the namespace is exempt).
	Skipped bool
	// Exempted are the rules whose findings an exemption annotation
	// suppressed, located at ExemptLine (the annotation's line).
	Exempted   []policy.Exemption
	ExemptLine int
}

// Problem is an input that could not be read or decoded: the run is not
// clean, whatever the findings say.
type Problem struct {
	// File is the input ("" when the problem is not about one file).
	File string
	// Line is 1-based, 0 when unknown.
	Line    int
	Message string
}

// Summary counts what a run saw.
type Summary struct {
	Files   int `json:"files"`
	Objects int `json:"objects"`
	Skipped int `json:"skipped"`
	Deny    int `json:"deny"`
	Warn    int `json:"warn"`
	Audit   int `json:"audit"`
	Errors  int `json:"errors"`
}

// Report is everything a renderer needs.
type Report struct {
	// Objects are in input order.
	Objects []ObjectResult
	// Unlisted counts the objects left out of Objects because they have
	// neither a finding nor an exemption (Skipped: how many of them no rule
	// covers); they count in the summary like the others. Only JUnit lists
	// such objects, so check lists them only for it.
	Unlisted struct{ Objects, Skipped int }
	// Files is the number of input files read.
	Files int
	// FailOn is the action at and above which a finding fails the run.
	FailOn policy.Action
	// Version is the tool version, for SARIF.
	Version string
	// Errors are the inputs that could not be read or decoded.
	Errors []Problem
	// RepoRoot, when set, is the absolute directory that SARIF and GitLab
	// locations are relative to (the repository's root); files outside it
	// keep absolute URIs.
	RepoRoot string
	// Elapsed is how long the run took (JUnit's time).
	Elapsed time.Duration
	// Text tunes the text format.
	Text TextOptions
}

// Formats lists the output formats of check.
func Formats() []string { return []string{"text", "json", "sarif", "junit", "github", "gitlab"} }

// Write renders r in format (one of Formats).
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "text":
		return Text(w, r)
	case "json":
		return JSON(w, r)
	case "sarif":
		return SARIF(w, r)
	case "junit":
		return JUnit(w, r)
	case "github":
		return GitHub(w, r)
	case "gitlab":
		return GitLab(w, r)
	}
	return fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// Exit codes of a run.
const (
	ExitOK       = 0 // nothing at or above FailOn
	ExitFindings = 1 // a finding at or above FailOn
	ExitError    = 2 // an input could not be read or decoded
)

// ExitCode is ExitError when an input could not be read or decoded,
// ExitFindings when a finding is at or above FailOn, else ExitOK.
func (r *Report) ExitCode() int {
	switch {
	case len(r.Errors) > 0:
		return ExitError
	case r.Failed():
		return ExitFindings
	}
	return ExitOK
}

// Fingerprint identifies a finding across runs whatever its line: the
// rule, the object (group, kind, namespace, name), the field and the path
// it is reported at. Code-scanning services match alerts between uploads by it.
func Fingerprint(e Entry, path string) string {
	gv := e.Object.APIVersion
	if i := strings.LastIndex(gv, "/"); i >= 0 {
		gv = gv[:i] // the group: a version bump is the same object
	} else {
		gv = ""
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{e.Rule, gv, e.Object.Kind, e.Object.Namespace, e.Object.Name, e.Field, path}, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// occurrences tells apart findings that share a fingerprint (a rule may
// report two problems at one field, e.g. a replica floor too low and, for
// the same reason, no PodDisruptionBudget): the first keeps it, the n-th
// gets "/n" appended, in the report's order.
type occurrences map[string]int

func (o occurrences) next(fp string) string {
	o[fp]++
	if n := o[fp]; n > 1 {
		return fp + "/" + strconv.Itoa(n)
	}
	return fp
}

// Findings returns every finding, sorted by file, line, object, rule, field
// and message.
func (r *Report) Findings() []Entry {
	var out []Entry
	for _, o := range r.Objects {
		out = append(out, o.Findings...)
	}
	SortEntries(out)
	return out
}

// SortEntries sorts findings by file, line, object, rule, field and message.
func SortEntries(e []Entry) {
	sort.SliceStable(e, func(i, j int) bool {
		a, b := e[i], e[j]
		switch {
		case a.File != b.File:
			return a.File < b.File
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Object != b.Object:
			return a.Object.String() < b.Object.String()
		case a.Rule != b.Rule:
			return a.Rule < b.Rule
		case a.Field != b.Field:
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// Summary counts objects and findings by action.
func (r *Report) Summary() Summary {
	s := Summary{Files: r.Files, Objects: len(r.Objects) + r.Unlisted.Objects, Skipped: r.Unlisted.Skipped, Errors: len(r.Errors)}
	for _, o := range r.Objects {
		if o.Skipped {
			s.Skipped++
		}
		for _, f := range o.Findings {
			switch f.Action {
			case policy.ActionDeny:
				s.Deny++
			case policy.ActionWarn:
				s.Warn++
			case policy.ActionAudit:
				s.Audit++
			}
		}
	}
	return s
}

// Failed reports whether any finding is at or above FailOn.
func (r *Report) Failed() bool {
	for _, o := range r.Objects {
		if failing(o.Findings, r.FailOn) > 0 {
			return true
		}
	}
	return false
}

// failing counts the entries at or above the fail level.
func failing(es []Entry, failOn policy.Action) int {
	n := 0
	for _, e := range es {
		if e.Action != policy.ActionOff && e.Action.AtLeast(failOn) {
			n++
		}
	}
	return n
}
