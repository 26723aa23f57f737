package report

import (
	"encoding/json"
	"io"
)

// JSONVersion is the version of the JSON format, docs/report-v1.schema.json.
// It changes only when a field is removed or changes meaning; fields may be
// added within a version.
const JSONVersion = "v1"

// jsonFinding is one finding in the JSON output; the field order is the
// documented contract.
type jsonFinding struct {
	Rule        string `json:"rule"`
	Action      string `json:"action"`
	Kind        string `json:"kind"`
	APIVersion  string `json:"apiVersion"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Field       string `json:"field"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// jsonError is one input that could not be read or decoded.
type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

type jsonReport struct {
	Version  string        `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
	Summary  Summary       `json:"summary"`
}

// JSON writes {"version":"v1","findings":[...],"errors":[...],"summary":{...}}
// on one line (docs/report-v1.schema.json).
func JSON(w io.Writer, r *Report) error {
	out := jsonReport{Version: JSONVersion, Findings: []jsonFinding{}, Errors: []jsonError{}, Summary: r.Summary()}
	for _, e := range r.Findings() {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: e.Rule, Action: string(e.Action),
			Kind: e.Object.Kind, APIVersion: e.Object.APIVersion, Namespace: e.Object.Namespace, Name: e.Object.Name,
			File: e.File, Line: e.Line, Field: e.Field, Message: e.Message, Remediation: e.Remediation,
		})
	}
	for _, p := range r.Errors {
		out.Errors = append(out.Errors, jsonError(p))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
