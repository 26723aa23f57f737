package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

func entry(file string, line int, rule string, action policy.Action, name, field string) Entry {
	return Entry{
		Finding: policy.Finding{Rule: rule, Action: action, Field: field, Message: "m", Remediation: "r",
			Object: policy.ObjectRef{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Namespace: "ns", Name: name}},
		File: file, Line: line,
	}
}

func sample() *Report {
	return &Report{Files: 2, FailOn: policy.ActionDeny, Objects: []ObjectResult{
		{File: "b.yaml", Line: 1, Findings: []Entry{entry("b.yaml", 9, "IGR101", policy.ActionDeny, "x", "spec.mtls.mode")}},
		{File: "a.yaml", Line: 1, Findings: []Entry{
			entry("a.yaml", 7, "IGR102", policy.ActionWarn, "y", "spec.b"),
			entry("a.yaml", 7, "IGR101", policy.ActionAudit, "y", "spec.a"),
			entry("a.yaml", 3, "IGR102", policy.ActionWarn, "y", "spec.c"),
		}},
		{File: "a.yaml", Line: 20, Skipped: true},
	}}
}

func TestFindingsSorted(t *testing.T) {
	var got []string
	for _, e := range sample().Findings() {
		got = append(got, e.File+":"+e.Rule+":"+e.Field)
	}
	want := "a.yaml:IGR102:spec.c a.yaml:IGR101:spec.a a.yaml:IGR102:spec.b b.yaml:IGR101:spec.mtls.mode"
	if strings.Join(got, " ") != want {
		t.Fatalf("order = %v, want %s", got, want)
	}
}

func TestSummaryAndFailed(t *testing.T) {
	r := sample()
	if got, want := r.Summary(), (Summary{Files: 2, Objects: 3, Skipped: 1, Deny: 1, Warn: 2, Audit: 1}); got != want {
		t.Errorf("summary = %+v, want %+v", got, want)
	}
	tests := []struct {
		desc   string
		failOn policy.Action
		drop   bool // remove the deny finding
		want   bool
	}{
		{"deny finding fails at deny", policy.ActionDeny, false, true},
		{"warnings pass at deny", policy.ActionDeny, true, false},
		{"warnings fail at warn", policy.ActionWarn, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := sample()
			r.FailOn = tc.failOn
			if tc.drop {
				r.Objects[0].Findings = nil
			}
			if got := r.Failed(); got != tc.want {
				t.Errorf("Failed() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWriteFormats(t *testing.T) {
	tests := []struct {
		format, want string
	}{
		{"text", "a.yaml:3: IGR102 PeerAuthentication ns/y spec.c: m (fix: r)\n"},
		{"json", `"summary":{"files":2,"objects":3,"skipped":1,"deny":1,"warn":2,"audit":1}`},
		{"sarif", `"version": "2.1.0"`},
		{"junit", `<testsuites name="istio-guardrail" tests="3" failures="1" skipped="1">`},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.format, sample()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, b.String())
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "yaml", sample()); err == nil {
		t.Error("want an error for an unknown format")
	}
}

func TestTextSummaryLine(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, &Report{Files: 1, Objects: []ObjectResult{{Skipped: true}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "1 file, 1 object (1 skipped): 0 deny, 0 warn, 0 audit\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSARIFHelpers(t *testing.T) {
	tests := []struct {
		desc, got, want string
	}{
		{"stdin is escaped", fileURI("<stdin>"), "%3Cstdin%3E"},
		{"relative path kept", fileURI("mesh/pa.yaml"), "mesh/pa.yaml"},
		{"identifier from title", identifier("PeerAuthentication mTLS mode not STRICT"), "PeerAuthenticationMTLSModeNotSTRICT"},
		{"deny is error", level(policy.ActionDeny), "error"},
		{"audit is note", level(policy.ActionAudit), "note"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.desc, tc.got, tc.want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	rules := []*policy.Rule{{ID: "IGR101", Title: "T | pipe", Description: "D", Remediation: "R", DefaultAction: policy.ActionDeny,
		Targets: []policy.Kind{policy.KindPeerAuthentication},
		Params:  []policy.ParamSpec{{Name: "ns", Type: policy.ParamStrings, Default: []string{"a", "b"}, Description: "d"}}}}
	muts := []*policy.Mutator{{ID: "IGR901", Title: "M", Description: "MD", DefaultEnabled: true, Targets: []policy.Kind{policy.KindPod}}}
	tests := []struct {
		format, want string
	}{
		{"text", "IGR901  enabled  Pod"},
		{"markdown", "| `ns` | strings | `[\"a\", \"b\"]` | d |"},
		{"markdown", `| [IGR101](#igr101) | T \| pipe | PeerAuthentication | deny |`},
		{"json", `"defaultAction": "deny"`},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := WriteCatalogue(&b, tc.format, rules, muts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s output lacks %q:\n%s", tc.format, tc.want, b.String())
		}
	}
	var b bytes.Buffer
	_ = WriteCatalogue(&b, "json", rules, muts)
	if !json.Valid(b.Bytes()) {
		t.Error("catalogue JSON is invalid")
	}
}
