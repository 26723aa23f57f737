package docs

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// binary is the istio-guardrail binary under test.
var binary string

// TestMain builds the binary once, unless IGR_BINARY names one already built.
func TestMain(m *testing.M) { clibin.Main(m, &binary) }

// repo is the repository root, relative to this package.
const repo = "../.."

// documents are the files whose sh blocks are run.
var documents = []string{"README.md", "charts/istio-guardrail/README.md", "examples/README.md"}

// notRunHere are the commands of the documents that need what a unit test
// does not have, each with the suite that covers it. A command that is
// neither run nor listed fails TestDocumentedCommands.
var notRunHere = map[string]string{
	"make demo":         "test/e2e (the demo's control plane and webhook)",
	"make test":         ".ci/run",
	"make build":        "this test builds the binary itself",
	"export KUBECONFIG": "the demo cluster",
	"kubectl ":          "the demo cluster; test/e2e applies the same testdata files",
	"helm install ":     "test/e2e/chart_test.go installs the chart",
	"docker build ":     "test/chart checks the Dockerfile's build flags",
	"docker run ":       "the image; its entrypoint is the binary this test runs",
}

// runsHere reports whether a command is run by the test: the CLI itself,
// helm template and lint, and PATH settings.
func runsHere(cmd string) bool {
	return strings.Contains(cmd, "istio-guardrail ") && !strings.HasPrefix(cmd, "helm install") && !strings.HasPrefix(cmd, "docker ") ||
		strings.HasPrefix(cmd, "helm template ") || strings.HasPrefix(cmd, "helm lint ") || strings.HasPrefix(cmd, "export PATH=")
}

// commands extracts the commands of the sh blocks of a Markdown file:
// comments dropped, continuation lines joined.
func commands(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in, cont := false, ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh") || strings.HasPrefix(line, "```bash"):
			in = true
			continue
		case strings.HasPrefix(line, "```"):
			in = false
			continue
		case !in:
			continue
		}
		if i := strings.Index(line, " # "); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		out = append(out, cont+line)
		cont = ""
	}
	return out
}

// workdir is a directory that looks like the repository (its top-level
// entries linked) with bin/ holding the binary under test and helm, so that
// commands writing files (-o sarif=results.sarif) leave the tree alone.
func workdir(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == "bin" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"istio-guardrail": binary, "helm": filepath.Join(root, "bin", "helm")}
	for name, target := range links {
		if _, err := os.Stat(target); err != nil {
			t.Fatalf("%s: %v (run make tools)", name, err)
		}
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shell runs a command line with bash in dir, bin/ first on PATH, and
// returns its output and exit code (of the last pipeline element that
// failed: pipefail).
func shell(t *testing.T, dir, line string, env ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", "-o", "pipefail", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"PATH=" + filepath.Join(dir, "bin") + ":" + os.Getenv("PATH")}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", line, err)
	}
	return string(out), 0
}

// TestDocumentedCommands runs every CLI and helm template command of the
// documents: each must exit 0 (clean) or 1 (findings), never 2, and every
// other command must be listed in notRunHere.
func TestDocumentedCommands(t *testing.T) {
	dir := workdir(t)
	ran := 0
	for _, doc := range documents {
		for _, c := range commands(t, filepath.Join(repo, doc)) {
			if !runsHere(c) {
				covered := false
				for prefix := range notRunHere {
					covered = covered || strings.HasPrefix(c, prefix)
				}
				if !covered {
					t.Errorf("%s: %q is neither run by this test nor listed in notRunHere", doc, c)
				}
				continue
			}
			if strings.HasPrefix(c, "export ") {
				continue // PATH: bin/ is first on PATH already
			}
			ran++
			t.Run(doc+": "+c, func(t *testing.T) {
				if strings.HasPrefix(c, "helm template ") && !strings.Contains(c, "--kube-version") && strings.Contains(c, "charts/istio-guardrail") {
					t.Errorf("helm template of the chart without --kube-version fails on its kubeVersion outside a cluster")
				}
				out, code := shell(t, dir, c)
				if code != 0 && code != 1 {
					t.Fatalf("exit %d:\n%s", code, out)
				}
				if strings.TrimSpace(out) == "" {
					t.Error("no output")
				}
			})
		}
	}
	if ran < 8 {
		t.Errorf("only %d commands run: the extraction lost some", ran)
	}
}

// TestPreCommitHooks runs each hook of .pre-commit-hooks.yaml as
// pre-commit does: its entry with the repository's files that match its
// files pattern and not its exclude pattern.
func TestPreCommitHooks(t *testing.T) {
	hooks := readYAML[[]struct {
		ID, Entry, Files, Exclude, Language string
		RequireSerial                       bool `json:"require_serial"`
	}](t, filepath.Join(repo, ".pre-commit-hooks.yaml"))
	files, err := exec.CommandContext(t.Context(), "git", "-C", repo, "ls-files").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := workdir(t)
	for _, h := range hooks {
		t.Run(h.ID, func(t *testing.T) {
			include, exclude := regexp.MustCompile(h.Files), regexp.MustCompile(h.Exclude)
			var args []string
			for _, f := range strings.Fields(string(files)) {
				if include.MatchString(f) && !exclude.MatchString(f) && !strings.HasPrefix(f, ".") {
					args = append(args, f)
				}
			}
			if !strings.HasPrefix(h.Entry, "istio-guardrail check") || !h.RequireSerial || len(args) < 20 {
				t.Fatalf("hook %+v over %d files", h, len(args))
			}
			out, code := shell(t, dir, h.Entry+" "+strings.Join(args, " "))
			if code != 0 && code != 1 {
				t.Fatalf("exit %d over %d files:\n%s", code, len(args), out)
			}
		})
	}
}

// TestGitHubAction runs the check step of action.yml as the runner would
// (inputs in the environment) at the repository root, and checks that it
// writes the SARIF log and the exit code output the later steps read.
func TestGitHubAction(t *testing.T) {
	action := readYAML[struct {
		Runs struct {
			Using string
			Steps []struct {
				ID, Run, Uses string
				Env           map[string]string
			}
		}
	}](t, filepath.Join(repo, "action.yml"))
	if action.Runs.Using != "composite" {
		t.Fatalf("using %q", action.Runs.Using)
	}
	dir := workdir(t)
	for _, s := range action.Runs.Steps {
		if s.ID != "check" {
			continue
		}
		outputs := filepath.Join(t.TempDir(), "github-output")
		sarif := filepath.Join(t.TempDir(), "results.sarif")
		out, code := shell(t, dir, s.Run, "PATHS=examples/unhardened", "ARGS=--fail-on deny", "SARIF="+sarif, "GITHUB_OUTPUT="+outputs)
		if code != 0 {
			t.Fatalf("the step itself failed (exit %d):\n%s", code, out)
		}
		got, _ := os.ReadFile(outputs)
		if string(got) != "exit-code=1\n" || !strings.Contains(out, "::error file=examples/unhardened/") {
			t.Errorf("outputs %q, annotations:\n%s", got, out)
		}
		if data, err := os.ReadFile(sarif); err != nil || !bytes.Contains(data, []byte(`"ruleId": "IGR101"`)) {
			t.Errorf("no SARIF log (%v)", err)
		}
		return
	}
	t.Fatal("action.yml has no step with id check")
}

// TestKrewManifest: the krew plugin installs the binary under the name that
// makes kubectl run it as `kubectl istio-guardrail`.
func TestKrewManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo, ".krew.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "bin: kubectl-istio_guardrail"); n != 4 {
		t.Errorf("%d platforms install kubectl-istio_guardrail, want 4", n)
	}
	plugin := filepath.Join(t.TempDir(), "kubectl-istio_guardrail")
	if err := os.Symlink(binary, plugin); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), plugin, "check", "--help").Output()
	if err != nil || !strings.Contains(string(out), "usage: kubectl istio-guardrail check") {
		t.Errorf("as a kubectl plugin, the help does not say kubectl istio-guardrail (%v):\n%s", err, out)
	}
}
