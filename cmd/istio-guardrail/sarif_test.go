package main

import "fmt"

// sarifDoc is the part of SARIF 2.1.0 that code-scanning UIs rely on.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string            `json:"id"`
					ShortDescription map[string]string `json:"shortDescription"`
					FullDescription  map[string]string `json:"fullDescription"`
					Help             map[string]string `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string            `json:"ruleId"`
			RuleIndex *int              `json:"ruleIndex"`
			Level     string            `json:"level"`
			Message   map[string]string `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// validate checks the constraints of the SARIF 2.1.0 schema that apply to
// what we emit, and that every catalogue rule is described.
func (d *sarifDoc) validate(rules int) []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if d.Version != "2.1.0" || d.Schema == "" {
		add("version %q schema %q", d.Version, d.Schema)
	}
	if len(d.Runs) != 1 {
		add("want one run, got %d", len(d.Runs))
		return errs
	}
	run := d.Runs[0]
	if run.Tool.Driver.Name == "" {
		add("tool.driver.name is required")
	}
	if len(run.Tool.Driver.Rules) != rules {
		add("want %d rules, got %d", rules, len(run.Tool.Driver.Rules))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription["text"] == "" || r.FullDescription["text"] == "" || r.Help["text"] == "" {
			add("rule %q lacks id, shortDescription, fullDescription or help text", r.ID)
		}
	}
	for i, res := range run.Results {
		if res.RuleIndex == nil || *res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			add("result %d: ruleIndex does not point at rule %s", i, res.RuleID)
		}
		switch res.Level {
		case "none", "note", "warning", "error":
		default:
			add("result %d: invalid level %q", i, res.Level)
		}
		if res.Message["text"] == "" || len(res.Locations) == 0 {
			add("result %d: message.text and a location are required", i)
			continue
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI == "" || loc.Region.StartLine < 1 {
			add("result %d: uri %q startLine %d", i, loc.ArtifactLocation.URI, loc.Region.StartLine)
		}
	}
	return errs
}
