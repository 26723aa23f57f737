package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

const (
	permissivePA = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: PERMISSIVE
`
	strictPA = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
`
	// envoyFilter only raises IGR704, a warning.
	envoyFilter = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: ef
spec:
  configPatches: []
`
	service = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
	// optOutPod opts out of injection: IGR702 when its namespace is injected.
	optOutPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {sidecar.istio.io/inject: \"false\"}}\n" +
		"spec: {containers: [{name: app, image: nginx}]}\n"
)

// writeFiles writes name->content into a temp dir and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCLI runs the command in process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"permissive.yaml": permissivePA,
		"strict.yaml":     strictPA,
		"warn.yaml":       envoyFilter,
		"skipped.yaml":    service,
		"broken.yaml":     "apiVersion: v1\nkind: Pod\nmetadata: name: x\n",
		"config.yaml":     "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: warn\n",
		"badconfig.yaml":  "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrulez: {}\n",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		desc       string
		stdin      string
		args       []string
		want       int
		wantOut    string // substring of stdout
		wantStderr string // substring of stderr
	}{
		{"hardened manifest passes", "", []string{"-f", p("strict.yaml")}, 0, "0 deny, 0 warn", ""},
		{"deny finding fails", "", []string{"-f", p("permissive.yaml")}, 1, "IGR101 PeerAuthentication istio-system/default spec.mtls.mode:", ""},
		{"warning passes at --fail-on deny", "", []string{"-f", p("warn.yaml")}, 0, "IGR704", ""},
		{"warning fails at --fail-on warn", "", []string{"-f", p("warn.yaml"), "--fail-on", "warn"}, 1, "IGR704", ""},
		{"config lowers the action", "", []string{"-f", p("permissive.yaml"), "--config", p("config.yaml")}, 0, "1 warn", ""},
		{"invalid config is a usage error", "", []string{"-f", p("permissive.yaml"), "--config", p("badconfig.yaml")}, 2, "", "rulez"},
		{"missing config file", "", []string{"-f", p("strict.yaml"), "--config", p("nope.yaml")}, 2, "", "nope.yaml"},
		{"uncovered kinds are skipped", "", []string{"-f", p("skipped.yaml")}, 0, "1 object (1 skipped)", ""},
		{"stdin", permissivePA, []string{"-f", "-"}, 1, "<stdin>:8: deny IGR101", ""},
		{"parse error exits 2, other files still checked", "", []string{"-f", p("broken.yaml"), "-f", p("permissive.yaml")}, 2, "permissive.yaml:8: deny IGR101", "broken.yaml:3: invalid YAML"},
		{"directory", "", []string{"-f", dir}, 2, "7 files", "broken.yaml"},
		{"no input", "", nil, 2, "", "no input"},
		{"empty input is an error", "# nothing\n", []string{"-"}, 2, "1 file, 0 objects", "no Kubernetes objects found"},
		{"--allow-empty accepts an empty input", "# nothing\n", []string{"-", "--allow-empty"}, 0, "0 objects", "skipped 1 empty file"},
		{"help goes to stdout", "", []string{"-h"}, 0, "usage: istio-guardrail check", ""},
		{"positional paths are inputs", "", []string{p("strict.yaml"), p("permissive.yaml")}, 1, "2 files, 2 objects", ""},
		{"unknown flag", "", []string{"-f", p("strict.yaml"), "--bogus"}, 2, "", "bogus"},
		{"bad output format", "", []string{"-f", p("strict.yaml"), "-o", "xml"}, 2, "", "invalid -o"},
		{"bad fail-on", "", []string{"-f", p("strict.yaml"), "--fail-on", "audit"}, 2, "", "invalid --fail-on"},
		{"bad values chart", "", []string{"-f", p("strict.yaml"), "--values-for", "pilot"}, 2, "", "invalid --values-for"},
		{"missing file", "", []string{"-f", p("nope.yaml")}, 2, "", "nope.yaml"},
		{"namespace flag defaults objects", strings.Replace(permissivePA, "  namespace: istio-system\n", "", 1), []string{"-f", "-", "--namespace", "shop", "-o", "json"}, 1, `"namespace":"shop"`, ""},
		{"values file needs --values-for", "replicaCount: 1\n", []string{"-f", "-"}, 2, "", "no Kubernetes objects found in 1 file (Helm values files need --values-for"},
		{"values file under --strict-inputs", "replicaCount: 1\n", []string{"-f", "-", "--strict-inputs"}, 2, "", "<stdin>:1: document has no apiVersion or kind (for Helm values files use --values-for"},
		{"values file with --values-for", "replicaCount: 1\n", []string{"-f", "-", "--values-for", "istiod"}, 1, "IGR601 IstiodValues", ""},
		{"opt-out in an unknown namespace is not judged", optOutPod, []string{"-f", "-"}, 0, "0 deny", ""},
		{"--namespace-label tells the namespace's labels", optOutPod, []string{"-f", "-", "--namespace-label", "shop:istio-injection=enabled"}, 1, "IGR702 Pod shop/web", ""},
		{"the input's Namespace wins over --namespace-label", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n" + optOutPod,
			[]string{"-f", "-", "--namespace-label", "shop:istio-injection=enabled"}, 0, "0 deny", ""},
		{"bad --namespace-label", optOutPod, []string{"-f", "-", "--namespace-label", "shop"}, 2, "", "NAMESPACE:key=value"},
		{"key=value labels every namespace not in the input", optOutPod, []string{"-f", "-", "--namespace-label", "istio-injection=enabled"}, 1, "IGR702 Pod shop/web", ""},
		{"a named namespace wins over key=value", optOutPod, []string{"-f", "-", "--namespace-label", "istio-injection=enabled", "--namespace-label", "shop:team=a"}, 0, "0 deny", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"check"}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", tc.wantOut, out)
			}
			if !strings.Contains(errOut, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, errOut)
			}
		})
	}
}

func TestCheckJSONShape(t *testing.T) {
	code, out, _ := runCLI(t, permissivePA+"---\n"+service, "check", "-f", "-", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	wantKeys := "action,apiVersion,field,file,kind,line,message,name,namespace,remediation,rule"
	tests := []struct {
		desc, got, want string
	}{
		{"finding keys", keys(got.Findings[0]), wantKeys},
		{"summary keys", keys(got.Summary), "audit,deny,errors,files,objects,skipped,warn"},
		{"rule", got.Findings[0]["rule"].(string), "IGR101"},
		{"apiVersion", got.Findings[0]["apiVersion"].(string), "security.istio.io/v1"},
		{"file", got.Findings[0]["file"].(string), "<stdin>"},
		{"line", jsonNum(got.Findings[0]["line"]), "8"},
		{"field", got.Findings[0]["field"].(string), "spec.mtls.mode"},
		{"objects", jsonNum(got.Summary["objects"]), "2"},
		{"skipped", jsonNum(got.Summary["skipped"]), "1"},
		{"deny", jsonNum(got.Summary["deny"]), "1"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.desc, tc.got, tc.want)
		}
	}
	if !strings.HasPrefix(out, `{"version":"v1","findings":[{"rule":"IGR101","action":"deny","kind":"PeerAuthentication","apiVersion":`) {
		t.Errorf("key order differs from the documented shape:\n%s", out)
	}
}

func TestCheckEmptyJSONFindingsIsList(t *testing.T) {
	_, out, _ := runCLI(t, strictPA, "check", "-f", "-", "-o", "json")
	if !strings.HasPrefix(out, `{"version":"v1","findings":[],"errors":[],"summary":{"files":1,"objects":1,"skipped":0,"deny":0,"warn":0,"audit":0,"errors":0}}`) {
		t.Fatalf("unexpected output: %s", out)
	}
}

func keys(m map[string]any) string {
	k := make([]string, 0, len(m))
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCheckSARIF(t *testing.T) {
	code, out, _ := runCLI(t, permissivePA+"---\n"+envoyFilter, "check", "-f", "-", "-o", "sarif")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var log sarifDoc
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if errs := log.validate(len(policy.Catalogue())); len(errs) > 0 {
		t.Fatalf("invalid SARIF:\n%s", strings.Join(errs, "\n"))
	}
	if len(log.Runs[0].Results) != 2 {
		t.Errorf("want 2 results, got %d", len(log.Runs[0].Results))
	}
}

func TestCheckJUnit(t *testing.T) {
	code, out, _ := runCLI(t, permissivePA+"---\n"+envoyFilter+"---\n"+service+"---\n"+strictPA, "check", "-f", "-", "-o", "junit", "--stdin-filename", "mesh/all.yaml")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		XMLName  xml.Name
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Cases    []struct {
			Name      string     `xml:"name,attr"`
			Classname string     `xml:"classname,attr"`
			Failures  []struct{} `xml:"failure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("malformed XML: %v\n%s", err, out)
	}
	var names []string
	for _, c := range doc.Cases {
		names = append(names, c.Classname+"|"+c.Name)
	}
	tests := []struct {
		desc      string
		got, want any
	}{
		{"one Surefire suite at the root", doc.XMLName.Local, "testsuite"},
		{"one test case per finding and per clean or skipped object", doc.Tests, 4},
		{"failures only at or above --fail-on", doc.Failures, 1},
		{"no errors", doc.Errors, 0},
		{"skipped objects", doc.Skipped, 1},
		{"names are rule+object+field, classes the file without suffix", strings.Join(names, " "),
			"mesh.all|Service default/s mesh.all|PeerAuthentication istio-system/default " +
				"mesh.all|IGR101 PeerAuthentication istio-system/default spec.mtls.mode mesh.all|IGR704 EnvoyFilter default/ef spec.configPatches"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.desc, tc.got, tc.want)
		}
	}
}

func TestCheckDeterministic(t *testing.T) {
	in := permissivePA + "---\n" + envoyFilter + "---\n" + strings.Replace(permissivePA, "default", "other", 1)
	// JUnit's suite time is the run's duration: the one part that varies.
	elapsed := regexp.MustCompile(`<testsuite name="istio-guardrail" time="[0-9.]+"`)
	for _, format := range report.Formats() {
		_, first, _ := runCLI(t, in, "check", "-f", "-", "-o", format)
		first = elapsed.ReplaceAllString(first, "")
		for i := 0; i < 5; i++ {
			if _, again, _ := runCLI(t, in, "check", "-f", "-", "-o", format); elapsed.ReplaceAllString(again, "") != first {
				t.Fatalf("%s output differs between runs", format)
			}
		}
	}
}

// TestCheckRepositoryInputs: a repository checks as its manifests, not as
// a pile of parse errors; an input without objects is an error.
func TestCheckRepositoryInputs(t *testing.T) {
	repo := writeFiles(t, map[string]string{
		"deploy/pa.yaml":                     permissivePA,
		"deploy/kustomization.yaml":          "resources: [pa.yaml]\n",
		".golangci.yml":                      "linters: {enable: [govet]}\n",
		".pre-commit-hooks.yaml":             "- id: x\n  entry: y\n",
		"ci/config.yaml":                     "stages: [build]\n",
		"chart/Chart.yaml":                   "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"chart/templates/deploy.yaml":        "{{- if .Values.x }}\napiVersion: v1\n{{- end }}\n",
		"chart/values.yaml":                  "x: true\n",
		"testdata/broken.yaml":               "apiVersion: v1\nkind: Pod\nmetadata: name: x\n",
		"docs/empty.yaml":                    "# nothing yet\n",
		"notes/a.txt":                        "text\n",
		"only-text/readme.txt":               "text\n",
		"excluded/pa.yaml":                   permissivePA,
		"empty-dir/.keep":                    "",
		"deploy/other/strict-in-subdir.yaml": strictPA,
	})
	if err := os.Symlink(filepath.Join(repo, "deploy"), filepath.Join(repo, "link")); err != nil {
		t.Fatal(err)
	}
	p := func(name string) string { return filepath.Join(repo, name) }
	tests := []struct {
		desc       string
		args       []string
		want       int
		wantOut    string
		wantStderr string
	}{
		{"repository root: manifests checked, the rest skipped in one line", []string{p("."), "--exclude", "excluded"}, 1, "4 files, 2 objects",
			"skipped 8 paths while walking (3 Helm chart source, 1 excluded, 2 hidden, 1 not a manifest, 1 test fixtures), 1 document without apiVersion/kind, 1 empty file"},
		{"--strict-inputs reports every non-manifest", []string{p("."), "--strict-inputs"}, 2, "", "broken.yaml:3: invalid YAML"},
		{"an empty directory is an error", []string{p("empty-dir")}, 2, "0 files, 0 objects", "no Kubernetes objects found in 0 files"},
		{"a directory without manifests is an error", []string{p("only-text")}, 2, "", "no Kubernetes objects found"},
		{"--allow-empty accepts it", []string{p("only-text"), "--allow-empty"}, 0, "0 files, 0 objects", ""},
		{"a link to a directory is walked", []string{"-f", p("link")}, 1, "2 files, 2 objects", ""},
		{"a file given twice is read once", []string{p("deploy/pa.yaml"), "-f", p("deploy/pa.yaml"), p("link/pa.yaml")}, 1, "1 file, 1 object (0 skipped): 1 deny", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"check"}, tc.args...)...)
			if code != tc.want || !strings.Contains(out, tc.wantOut) || !strings.Contains(errOut, tc.wantStderr) {
				t.Fatalf("exit %d (want %d), stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", code, tc.want, tc.wantOut, tc.wantStderr, out, errOut)
			}
		})
	}
}

// TestCheckThisRepository: `check -f .` at this repository's root judges
// its manifests (exit 0 or 1), never fails on its non-manifest files.
func TestCheckThisRepository(t *testing.T) {
	code, out, errOut := runCLI(t, "", "check", "-f", "../..")
	if code != 0 && code != 1 {
		t.Fatalf("exit %d, want 0 or 1\nstderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "IGR101") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "skipped") {
		t.Errorf("want findings and one summary line on stderr, got stderr:\n%s\nstdout tail:\n%s", errOut, out[max(0, len(out)-300):])
	}
}

// TestCheckOutputs: several -o at once, each format to its own file, at
// most one to stdout; --quiet; --stdin-filename.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	sarif, junit := filepath.Join(dir, "results.sarif"), filepath.Join(dir, "junit.xml")
	code, out, errOut := runCLI(t, permissivePA, "check", "-", "--stdin-filename", "mesh/pa.yaml",
		"-o", "sarif="+sarif, "-o", "text", "--output", "junit="+junit, "--repo-root", dir)
	if code != 1 || !strings.Contains(out, "mesh/pa.yaml:8: deny IGR101") {
		t.Fatalf("exit %d, text on stdout:\n%s\n%s", code, out, errOut)
	}
	for path, want := range map[string]string{sarif: `"ruleId": "IGR101"`, junit: `classname="mesh.pa"`} {
		data, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q (%v):\n%s", path, want, err, data)
		}
	}
	tests := []struct {
		desc       string
		args       []string
		want       int
		wantOut    string
		wantStderr string
	}{
		{"two formats to stdout", []string{"-o", "json", "-o", "text"}, 2, "", "at most one -o without =FILE"},
		{"unknown format with a file", []string{"-o", "xml=x.xml"}, 2, "", `invalid -o "xml=x.xml"`},
		{"no file after =", []string{"-o", "sarif="}, 2, "", "no file after ="},
		{"unwritable file", []string{"-o", "sarif=" + filepath.Join(dir, "nope", "x.sarif")}, 2, "", "nope/x.sarif"},
		{"quiet prints the findings only", []string{"-q"}, 1, "<stdin>:8: deny IGR101", ""},
		{"github annotations", []string{"-o", "github", "--stdin-filename", "mesh/pa.yaml", "--repo-root", dir}, 1,
			"::error file=mesh/pa.yaml,line=8,title=IGR101 PeerAuthentication istio-system/default::spec.mtls.mode", ""},
		{"gitlab code quality", []string{"-o", "gitlab", "--stdin-filename", "mesh/pa.yaml", "--repo-root", dir}, 1, `"path": "mesh/pa.yaml"`, ""},
		{"missing --repo-root", []string{"-o", "sarif", "--repo-root", filepath.Join(dir, "nope")}, 2, "", "--repo-root"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, permissivePA, append([]string{"check", "-"}, tc.args...)...)
			if code != tc.want || !strings.Contains(out, tc.wantOut) || !strings.Contains(errOut, tc.wantStderr) {
				t.Fatalf("exit %d (want %d), stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", code, tc.want, tc.wantOut, tc.wantStderr, out, errOut)
			}
		})
	}
	if _, out, _ := runCLI(t, permissivePA, "check", "-", "-q"); strings.Contains(out, "objects") {
		t.Errorf("--quiet printed the summary:\n%s", out)
	}
}

// TestCheckHelmSource: documents rendered by helm template are reported in
// the template named by their "# Source:" comment.
func TestCheckHelmSource(t *testing.T) {
	rendered := "---\n# Source: mesh/templates/pa.yaml\n" + permissivePA + "---\n" + strictPA
	_, out, _ := runCLI(t, rendered, "check", "-")
	if !strings.Contains(out, "mesh/templates/pa.yaml:8: deny IGR101") {
		t.Errorf("finding not located in the template:\n%s", out)
	}
	_, out, _ = runCLI(t, "---\n"+permissivePA, "check", "-")
	if !strings.Contains(out, "<stdin>:9: deny IGR101") {
		t.Errorf("without # Source the input is the location:\n%s", out)
	}
}

// TestMutateDiffApplies: `mutate -o diff` is a patch of the input files:
// `patch -p0` turns them into what admission stores, after which mutate
// has nothing left to change; unchanged documents and comments survive.
func TestMutateDiffApplies(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"deploy/app.yaml": "# the shop\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\n---\n# the pod\n" + optOutPod +
			"---\napiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop}\nspec: {containers: [{name: app, image: nginx}]}\n",
	})
	t.Chdir(dir)
	_, before, _ := runCLI(t, "", "mutate", "deploy/app.yaml", "-o", "json")
	code, diff, errOut := runCLI(t, "", "mutate", "deploy/app.yaml", "-o", "diff")
	if code != 0 || !strings.HasPrefix(diff, "--- deploy/app.yaml\n+++ deploy/app.yaml\n") {
		t.Fatalf("exit %d, diff:\n%s\n%s", code, diff, errOut)
	}
	patch := exec.CommandContext(t.Context(), "patch", "-p0")
	patch.Stdin = strings.NewReader(diff)
	if out, err := patch.CombinedOutput(); err != nil {
		t.Fatalf("patch -p0: %v\n%s\n%s", err, out, diff)
	}
	patched, err := os.ReadFile("deploy/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(patched), "# the shop\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\n---\n# the pod\n") {
		t.Errorf("the unchanged document or a comment was rewritten:\n%s", patched)
	}
	if _, again, _ := runCLI(t, "", "mutate", "deploy/app.yaml", "-o", "diff"); again != "" {
		t.Errorf("mutate still changes the patched file:\n%s", again)
	}
	_, after, _ := runCLI(t, "", "mutate", "deploy/app.yaml", "-o", "json")
	var a, b any
	if err := json.Unmarshal([]byte(before), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(after), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the patched file does not mutate to the same objects:\n%s\n%s", before, after)
	}
}
