package chart

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// shellWords splits a command line on spaces, honouring double quotes (enough
// for the Makefile and Dockerfile lines it is used on).
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// readLines returns the lines of a repository file.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// makeBuild returns `make build`'s command with $(GO_BUILD) expanded and
// $(VERSION) written as the Dockerfile's ${VERSION}, without "-o <path>".
func makeBuild(t *testing.T) []string {
	t.Helper()
	lines := readLines(t, "Makefile")
	var goBuild, recipe string
	for i, l := range lines {
		if m := regexp.MustCompile(`^GO_BUILD\s*:=\s*(.+)$`).FindStringSubmatch(l); m != nil {
			goBuild = m[1]
		}
		if strings.HasPrefix(l, "build:") && i+1 < len(lines) {
			recipe = strings.TrimSpace(lines[i+1])
		}
	}
	if goBuild == "" || !strings.Contains(recipe, "$(GO_BUILD)") {
		t.Fatalf("cannot find GO_BUILD (%q) and the build recipe (%q) in the Makefile", goBuild, recipe)
	}
	cmd := strings.ReplaceAll(strings.ReplaceAll(recipe, "$(GO_BUILD)", goBuild), "$(VERSION)", "${VERSION}")
	return withoutOutput(shellWords(cmd))
}

// dockerBuild returns the Dockerfile's go build command without "-o <path>".
func dockerBuild(t *testing.T) []string {
	t.Helper()
	for _, l := range readLines(t, "Dockerfile") {
		if cmd, ok := strings.CutPrefix(l, "RUN "); ok && strings.Contains(cmd, "go build") {
			return withoutOutput(shellWords(cmd))
		}
	}
	t.Fatal("no RUN ... go build line in the Dockerfile")
	return nil
}

func withoutOutput(words []string) []string {
	if i := slices.Index(words, "-o"); i >= 0 && i+1 < len(words) {
		return slices.Delete(slices.Clone(words), i, i+2)
	}
	return words
}

// TestDockerfileBuildMatchesMakefile checks that the image is built with
// exactly the flags and package of `make build`.
func TestDockerfileBuildMatchesMakefile(t *testing.T) {
	mk, dk := makeBuild(t), dockerBuild(t)
	if !slices.Equal(mk, dk) {
		t.Errorf("Dockerfile go build differs from make build:\n  make:   %q\n  docker: %q", mk, dk)
	}
	if !slices.Contains(dk, "CGO_ENABLED=0") || !slices.Contains(dk, "-trimpath") {
		t.Errorf("want a static, trimmed build, got %q", dk)
	}
}

// goToolchain returns the Go release go.mod's toolchain line names (without
// "go"), the one `make build` uses: the image must be built with it too.
func goToolchain(t *testing.T) string {
	t.Helper()
	for _, l := range readLines(t, "go.mod") {
		if v, ok := strings.CutPrefix(l, "toolchain go"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("go.mod has no toolchain line")
	return ""
}

// TestDockerfileRuntime checks that the builder image is go.mod's toolchain,
// the multi-stage layout and the non-root distroless runtime the chart's
// securityContext assumes.
func TestDockerfileRuntime(t *testing.T) {
	lines := readLines(t, "Dockerfile")
	var froms []string
	has := map[string]bool{}
	for _, l := range lines {
		if f, ok := strings.CutPrefix(l, "FROM "); ok {
			froms = append(froms, f)
		}
		has[strings.TrimSpace(l)] = true
	}
	want := []string{"golang:" + goToolchain(t) + " AS build", "gcr.io/distroless/static-debian12:nonroot"}
	if !slices.Equal(froms, want) {
		t.Errorf("stages = %q, want %q", froms, want)
	}
	for _, l := range []string{"USER 65532:65532", `ENTRYPOINT ["/istio-guardrail"]`, "COPY --from=build /out/istio-guardrail /istio-guardrail"} {
		if !has[l] {
			t.Errorf("Dockerfile lacks %q", l)
		}
	}
}

// TestDockerfileCommandBuildsStaticBinary runs the Dockerfile's go build
// command (no Docker engine needed) and checks the result: statically linked
// (it must run on distroless/static) and stamped with VERSION.
func TestDockerfileCommandBuildsStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; run without -short")
	}
	words := dockerBuild(t)
	out := filepath.Join(t.TempDir(), "istio-guardrail")
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env, words = append(env, words[0]), words[1:]
	}
	args := slices.Clone(words[2:]) // after "go build"
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "${VERSION}", "chart-test-1.2.3")
	}
	args = append([]string{"build", "-o", out}, args...)
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir, cmd.Env = repoRoot(t), append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary is dynamically linked; distroless/static has no libc")
		}
	}
	v, err := exec.CommandContext(t.Context(), out, "version").Output()
	if err != nil || !strings.Contains(string(v), "chart-test-1.2.3") {
		t.Errorf("version output %q (err %v) lacks the -X main.version stamp", v, err)
	}
}

// TestDockerignoreKeepsSources checks that no package or embedded file of the
// binary lives under a path .dockerignore drops from the build context.
func TestDockerignoreKeepsSources(t *testing.T) {
	var ignored []string
	for _, l := range readLines(t, ".dockerignore") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			ignored = append(ignored, l)
		}
	}
	for _, need := range []string{".git", "bin"} {
		if !slices.Contains(ignored, need) {
			t.Errorf(".dockerignore should drop %s", need)
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{range .EmbedFiles}} {{$.Dir}}/{{.}}{{end}}{{end}}", "./cmd/istio-guardrail")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root := repoRoot(t) + string(filepath.Separator)
	for _, p := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(p, root)
		if !ok {
			continue // module cache
		}
		for _, ig := range ignored {
			if rel == ig || strings.HasPrefix(rel, ig+"/") {
				t.Errorf("%s is needed by the build but .dockerignore drops %s", rel, ig)
			}
		}
	}
}
