package report

import (
	"fmt"
	"io"
	"sort"

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
}

// Summary counts what a run saw.
type Summary struct {
	Files   int `json:"files"`
	Objects int `json:"objects"`
	Skipped int `json:"skipped"`
	Deny    int `json:"deny"`
	Warn    int `json:"warn"`
	Audit   int `json:"audit"`
}

// Report is everything a renderer needs.
type Report struct {
	// Objects are in input order.
	Objects []ObjectResult
	// Files is the number of input files read.
	Files int
	// FailOn is the action at and above which a finding fails the run.
	FailOn policy.Action
	// Version is the tool version, for SARIF.
	Version string
}

// Formats lists the output formats of check.
func Formats() []string { return []string{"text", "json", "sarif", "junit"} }

// Write renders r in format ("text", "json", "sarif" or "junit").
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
	}
	return fmt.Errorf("unknown output format %q (want text, json, sarif or junit)", format)
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
	s := Summary{Files: r.Files, Objects: len(r.Objects)}
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
