package report

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sarifLog is the part of SARIF that GitHub code scanning relies on.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID         string `json:"id"`
					Properties struct {
						SecuritySeverity string `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			ExitCode            int  `json:"exitCode"`
			Notifications       []struct {
				Level string `json:"level"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind          string `json:"kind"`
				Justification string `json:"justification"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

// TestSARIFSchema validates every run's SARIF against the SARIF 2.1.0 JSON
// schema, and checks what GitHub code scanning needs beyond it.
func TestSARIFSchema(t *testing.T) {
	s := schema(t, "testdata/schemas/sarif-2.1.0.json")
	root, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		t.Run(r.desc, func(t *testing.T) {
			out, code := check(t, r.dir, r.stdin, append(r.args, "-o", "sarif")...)
			if code != r.code {
				t.Fatalf("exit %d, want %d", code, r.code)
			}
			if err := validate(s, out); err != nil {
				t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v", err)
			}
			var log sarifLog
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			inv := run.Invocations[0]
			if inv.ExecutionSuccessful != (r.code != 2) || inv.ExitCode != r.code || (r.code == 2) != (len(inv.Notifications) > 0) {
				t.Errorf("invocation %+v does not match exit %d", inv, r.code)
			}
			if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != "file://"+filepath.ToSlash(root)+"/" {
				t.Errorf("%%SRCROOT%% = %q, want the git top level %s", got, root)
			}
			for _, rule := range run.Tool.Driver.Rules {
				if rule.Properties.SecuritySeverity == "" {
					t.Errorf("rule %s has no security-severity", rule.ID)
				}
			}
			seen := map[string]bool{}
			for i, res := range run.Results {
				loc := res.Locations[0].PhysicalLocation.ArtifactLocation
				if loc.URIBaseID != "%SRCROOT%" || strings.HasPrefix(loc.URI, "/") || strings.Contains(loc.URI, ":") || strings.HasPrefix(loc.URI, "..") {
					t.Errorf("result %d: location %+v is not relative to the repository root", i, loc)
				}
				fp := res.PartialFingerprints["istioGuardrailFinding/v1"]
				if fp == "" || seen[fp+res.RuleID] {
					t.Errorf("result %d (%s): fingerprint %q missing or not unique", i, res.RuleID, fp)
				}
				seen[fp+res.RuleID] = true
			}
		})
	}
}

// TestSARIFSuppressions: an honoured exemption is a suppressed result with
// its reason, not a silent gap.
func TestSARIFSuppressions(t *testing.T) {
	out, _ := check(t, repo+"/test/golden/check/testdata/cases", "", "exemptions.yaml", "--config", "../configs/exemptions.yaml", "-o", "sarif")
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	var suppressed []string
	for _, res := range log.Runs[0].Results {
		for _, s := range res.Suppressions {
			suppressed = append(suppressed, fmt.Sprintf("%s %s %q", res.RuleID, s.Kind, s.Justification))
		}
	}
	if len(suppressed) == 0 {
		t.Fatal("no suppressed result for the honoured exemptions")
	}
	for _, s := range suppressed {
		if !strings.Contains(s, " inSource ") || strings.HasSuffix(s, `""`) {
			t.Errorf("suppression %s lacks kind inSource or its justification", s)
		}
	}
}

// TestSARIFFingerprintsSurviveLineMoves: inserting lines above a finding
// changes its line, not its fingerprint.
func TestSARIFFingerprintsSurviveLineMoves(t *testing.T) {
	pa := "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: PERMISSIVE}}\n"
	fps := map[string]bool{}
	for _, prefix := range []string{"", "# a comment\n\n\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"} {
		out, _ := check(t, repo, prefix+pa, "-", "--stdin-filename", "deploy/mesh.yaml", "-o", "sarif")
		var log sarifLog
		if err := json.Unmarshal(out, &log); err != nil {
			t.Fatal(err)
		}
		fps[log.Runs[0].Results[0].PartialFingerprints["istioGuardrailFinding/v1"]] = true
	}
	if len(fps) != 1 {
		t.Errorf("fingerprints differ when the finding moves: %v", fps)
	}
}

// multitoolVersion is the SARIF Multitool the GitHub rules are run with.
const multitoolVersion = "5.7.0"

// githubPolicy turns on the Multitool's GitHub code scanning rules (GH1001
// to GH1006) and requires paths relative to the repository root, as
// GitHub's ingestion does.
const githubPolicy = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key='SARIF2007.ExpressPathsRelativeToRepoRoot.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1001.ProvideRequiredLocationProperties.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1002.InlineThreadFlowLocations.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1003.ProvideRequiredRegionProperties.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1004.ReviewArraysThatExceedConfigurableDefaults.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1005.LocationsMustBeRelativeUrisOrFilePaths.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
  <Properties Key='GH1006.ProvideCheckoutPath.Options'><Property Key='RuleEnabled' Value='Error' /></Properties>
</Properties>
`

// multitool returns the SARIF Multitool binary: $SARIF_MULTITOOL, or the
// npm package @microsoft/sarif-multitool-linux installed once into the
// user cache directory (npm must be on PATH).
func multitool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SARIF_MULTITOOL"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "istio-guardrail-test", "sarif-multitool-"+multitoolVersion)
	bin := filepath.Join(dir, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
	if _, err := os.Stat(bin); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("the SARIF Multitool is installed with npm, which is not on PATH (or set SARIF_MULTITOOL to the Sarif.Multitool binary)")
		}
		install := exec.CommandContext(t.Context(), npm, "install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund",
			"--ignore-scripts", "@microsoft/sarif-multitool-linux@"+multitoolVersion)
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm install the SARIF Multitool: %v\n%s", err, out)
		}
	}
	// The package's postinstall (not run: --ignore-scripts) only does this.
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// multitoolProblems runs `Sarif.Multitool validate` with the SARIF and
// GitHub rules over the logs and returns its errors and warnings as
// "RULE file".
func multitoolProblems(t *testing.T, mt string, logs map[string][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, out := filepath.Join(dir, "github.xml"), filepath.Join(dir, "out.sarif")
	if err := os.WriteFile(cfg, []byte(githubPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"validate", "--rule-kind", "Sarif;Gh", "--config", cfg, "--level", "Error;Warning", "-o", out}
	for name, data := range logs {
		p := filepath.Join(dir, name+".sarif")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	cmd := exec.CommandContext(t.Context(), mt, args...)
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Sarif.Multitool validate: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, r := range log.Runs[0].Results {
		file := ""
		if len(r.Locations) > 0 {
			file = filepath.Base(r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		problems = append(problems, r.RuleID+" "+file)
	}
	return problems
}

// TestSARIFMultitoolGitHubRules runs Microsoft's SARIF Multitool with the
// GitHub rule set over our SARIF: no error or warning, except SARIF2005
// (a version that does not start with a digit) for the "dev" version of a
// test build. A log with an absolute file URI must be flagged (GH1006), so
// a validator that checks nothing cannot pass the test.
func TestSARIFMultitoolGitHubRules(t *testing.T) {
	mt := multitool(t)
	version, _ := exec.CommandContext(t.Context(), binary, "version").Output()
	logs := map[string][]byte{}
	for i, r := range runs {
		logs[fmt.Sprintf("run%d", i)], _ = check(t, r.dir, r.stdin, append(r.args, "-o", "sarif")...)
	}
	logs["outside"], _ = check(t, repo, "", "examples/unhardened/gateway.yaml", "--repo-root", "test", "-o", "sarif")
	flagged := false
	for _, p := range multitoolProblems(t, mt, logs) {
		switch {
		case strings.HasPrefix(p, "GH1006 outside.sarif"):
			flagged = true
		case strings.HasPrefix(p, "SARIF2005 ") && string(version) == "istio-guardrail dev\n":
		default:
			t.Errorf("Multitool: %s", p)
		}
	}
	if !flagged {
		t.Error("a location outside the repository root is not flagged by the GitHub rules: the rule set did not run")
	}
}
