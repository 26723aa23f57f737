package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
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
		{"text", "a.yaml:3: warn IGR102 PeerAuthentication ns/y spec.c: m (fix: r)\n"},
		{"text", "b.yaml:9: deny IGR101 PeerAuthentication ns/x spec.mtls.mode: m (fix: r)\n"},
		{"json", `{"version":"v1","findings":[{"rule":"IGR102"`},
		{"json", `"errors":[],"summary":{"files":2,"objects":3,"skipped":1,"deny":1,"warn":2,"audit":1,"errors":0}}`},
		{"sarif", `"version": "2.1.0"`},
		{"sarif", `"executionSuccessful": true`},
		{"junit", `<testsuite name="istio-guardrail" time="0.000" tests="5" errors="0" skipped="1" failures="1">`},
		{"junit", `<testcase name="IGR101 PeerAuthentication ns/x spec.mtls.mode" classname="b" time="0">`},
		{"github", "::error file=b.yaml,line=9,title=IGR101 PeerAuthentication ns/x::spec.mtls.mode: m (fix: r)\n"},
		{"github", "::warning file=a.yaml,line=3,title=IGR102 PeerAuthentication ns/y::spec.c: m (fix: r)\n"},
		{"github", "::notice file=a.yaml,line=7,"},
		{"gitlab", `"severity": "critical",`},
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
	b.Reset()
	r := sample()
	r.Errors = []Problem{{File: "c.yaml", Line: 2, Message: "invalid YAML"}}
	r.Text = TextOptions{Color: true}
	if err := Text(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "b.yaml:9: \x1b[1;31mdeny\x1b[0m IGR101") || !strings.HasSuffix(b.String(), "1 audit, 1 error\n") {
		t.Errorf("colour or error count missing:\n%q", b.String())
	}
	b.Reset()
	r.Text = TextOptions{Quiet: true}
	if err := Text(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "files") || strings.Count(b.String(), "\n") != 4 || strings.Contains(b.String(), "\x1b") {
		t.Errorf("quiet prints the 4 findings only, without colour:\n%s", b.String())
	}
}

// TestErrorsNeverLookClean: a run with an unreadable input says so in
// every format.
func TestErrorsNeverLookClean(t *testing.T) {
	r := &Report{Files: 1, FailOn: policy.ActionDeny, Errors: []Problem{{File: "bad.yaml", Line: 3, Message: "invalid YAML: x"}}}
	tests := []struct {
		format string
		want   []string
	}{
		{"text", []string{"0 deny, 0 warn, 0 audit, 1 error"}},
		{"json", []string{`"errors":[{"file":"bad.yaml","line":3,"message":"invalid YAML: x"}]`, `"errors":1}`}},
		{"sarif", []string{`"executionSuccessful": false`, `"exitCode": 2`, `"toolExecutionNotifications": [`, `"text": "invalid YAML: x"`, `"uri": "bad.yaml"`}},
		{"junit", []string{`tests="1" errors="1" skipped="0" failures="0"`, `<error message="invalid YAML: x" type="InputError">`}},
		{"github", []string{"::error file=bad.yaml,line=3,title=istio-guardrail input error::invalid YAML: x"}},
		{"gitlab", []string{`"check_name": "input-error"`, `"severity": "blocker"`}},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := Write(&b, tc.format, r); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s output lacks %q:\n%s", tc.format, w, b.String())
			}
		}
	}
	if r.ExitCode() != ExitError {
		t.Errorf("ExitCode() = %d, want %d", r.ExitCode(), ExitError)
	}
}

// TestFingerprintIgnoresLines: moving a finding keeps its fingerprint;
// another field, object, rule or file changes it; a version bump does not.
func TestFingerprintIgnoresLines(t *testing.T) {
	base := entry("a.yaml", 7, "IGR101", policy.ActionDeny, "x", "spec.mtls.mode")
	fp := Fingerprint(base, "a.yaml")
	moved := base
	moved.Line = 70
	moved.Message = "other wording"
	bumped := base
	bumped.Object.APIVersion = "security.istio.io/v1beta1"
	if Fingerprint(moved, "a.yaml") != fp || Fingerprint(bumped, "a.yaml") != fp {
		t.Error("a moved, reworded or re-versioned finding changed its fingerprint")
	}
	for desc, e := range map[string]Entry{
		"field":  entry("a.yaml", 7, "IGR101", policy.ActionDeny, "x", "spec.mtls"),
		"object": entry("a.yaml", 7, "IGR101", policy.ActionDeny, "y", "spec.mtls.mode"),
		"rule":   entry("a.yaml", 7, "IGR102", policy.ActionDeny, "x", "spec.mtls.mode"),
	} {
		if Fingerprint(e, "a.yaml") == fp {
			t.Errorf("another %s has the same fingerprint", desc)
		}
	}
	if Fingerprint(base, "b.yaml") == fp {
		t.Error("another file has the same fingerprint")
	}
}

// TestSARIFRepoRoot: paths inside the root are relative with a uriBaseId,
// outside it absolute file URIs.
func TestSARIFRepoRoot(t *testing.T) {
	root := t.TempDir()
	r := &Report{FailOn: policy.ActionDeny, RepoRoot: root, Objects: []ObjectResult{{File: filepath.Join(root, "deploy", "pa.yaml"), Line: 1,
		Findings: []Entry{entry(filepath.Join(root, "deploy", "pa.yaml"), 8, "IGR101", policy.ActionDeny, "x", "spec.mtls.mode"),
			entry("/elsewhere/pa.yaml", 8, "IGR101", policy.ActionDeny, "x", "spec.mtls.mode")}}}}
	var b bytes.Buffer
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"uri": "deploy/pa.yaml",` + "\n" + `                  "uriBaseId": "%SRCROOT%"`,
		`"uri": "file:///elsewhere/pa.yaml"`, `"originalUriBaseIds": {` + "\n" + `        "%SRCROOT%": {` + "\n" + `          "uri": "file://` + filepath.ToSlash(root) + `/"`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("SARIF lacks %q:\n%s", w, b.String())
		}
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
		Params: policy.ParamsOf(struct {
			NS []string `yaml:"ns" desc:"d"`
		}{NS: []string{"a", "b"}})}}
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

// TestOccurrencesTellApartSharedFingerprints: two findings of one rule at
// one field get distinct fingerprints, the first keeping the plain one.
func TestOccurrencesTellApartSharedFingerprints(t *testing.T) {
	seen := occurrences{}
	a, b, c := seen.next("fp"), seen.next("fp"), seen.next("other")
	if a != "fp" || b != "fp/2" || c != "other" {
		t.Errorf("next = %q, %q, %q; want fp, fp/2, other", a, b, c)
	}
}
