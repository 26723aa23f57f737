package report

import (
	"encoding/json"
	"io"
)

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

type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Summary  Summary       `json:"summary"`
}

// JSON writes {"findings":[...],"summary":{...}} on one line.
func JSON(w io.Writer, r *Report) error {
	out := jsonReport{Findings: []jsonFinding{}, Summary: r.Summary()}
	for _, e := range r.Findings() {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: e.Rule, Action: string(e.Action),
			Kind: e.Object.Kind, APIVersion: e.Object.APIVersion, Namespace: e.Object.Namespace, Name: e.Object.Name,
			File: e.File, Line: e.Line, Field: e.Field, Message: e.Message, Remediation: e.Remediation,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
