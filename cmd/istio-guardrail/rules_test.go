package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

func TestRulesOutputs(t *testing.T) {
	tests := []struct {
		desc string
		args []string
		want int
		has  string
	}{
		{"text lists every rule", []string{"-o", "text"}, 0, "IGR101"},
		{"markdown has sections", []string{"-o", "markdown"}, 0, "### IGR101"},
		{"json", []string{"-o", "json"}, 0, `"id": "IGR101"`},
		{"bad format", []string{"-o", "yaml"}, 2, ""},
		{"positional argument", []string{"x"}, 2, ""},
		{"help", []string{"-h"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, _ := runCLI(t, "", append([]string{"rules"}, tc.args...)...)
			if code != tc.want || !strings.Contains(out, tc.has) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s", code, tc.want, tc.has, out)
			}
		})
	}
}

func TestRulesJSONCoversCatalogue(t *testing.T) {
	_, out, _ := runCLI(t, "", "rules", "-o", "json")
	var got struct {
		Rules []struct {
			ID          string `json:"id"`
			Remediation string `json:"remediation"`
		} `json:"rules"`
		Mutators []struct {
			ID string `json:"id"`
		} `json:"mutators"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != len(policy.Catalogue()) || len(got.Mutators) != len(policy.Mutators()) {
		t.Fatalf("got %d rules and %d mutators, want %d and %d", len(got.Rules), len(got.Mutators), len(policy.Catalogue()), len(policy.Mutators()))
	}
}

// TestDocsUpToDate fails when docs/rules.md differs from the catalogue.
func TestDocsUpToDate(t *testing.T) {
	want, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatalf("docs/rules.md is missing: run `make docs` (%v)", err)
	}
	_, got, _ := runCLI(t, "", "rules", "-o", "markdown")
	if got != string(want) {
		t.Fatal("docs/rules.md is stale: run `make docs` and commit the result")
	}
}
