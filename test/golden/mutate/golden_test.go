package mutate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// Cases live in testdata: NAME.in.yaml is the input, NAME.out.yaml the
// mutated output (CLI stdout), NAME.log the CLI's stderr, and the optional
// NAME.config.yaml a GuardrailConfig. UPDATE_GOLDEN=1 rewrites the outputs.
const (
	inSuffix     = ".in.yaml"
	outSuffix    = ".out.yaml"
	logSuffix    = ".log"
	configSuffix = ".config.yaml"
)

// binary is the istio-guardrail CLI built once by TestMain.
var binary string

func TestMain(m *testing.M) { clibin.Main(m, &binary) }

// goldenCase is one input with its expected outputs.
type goldenCase struct {
	name, in, out, log, config string
}

// cases discovers the inputs of testdata.
func cases(t *testing.T) []goldenCase {
	t.Helper()
	ins, err := filepath.Glob(filepath.Join("testdata", "*"+inSuffix))
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs in testdata (err %v)", err)
	}
	var out []goldenCase
	for _, in := range ins {
		base := strings.TrimSuffix(in, inSuffix)
		c := goldenCase{name: filepath.Base(base), in: in, out: base + outSuffix, log: base + logSuffix}
		if _, err := os.Stat(base + configSuffix); err == nil {
			c.config = base + configSuffix
		}
		out = append(out, c)
	}
	return out
}

func update() bool { return os.Getenv("UPDATE_GOLDEN") == "1" }

// TestGoldenMutate drives every case through the CLI (compared as text) and
// through the webhook handler (patch applied, object compared), then checks
// that mutating the output again changes nothing on both paths.
func TestGoldenMutate(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr := runCLI(t, c.config, c.in, 0)
			compareGolden(t, c.out, stdout)
			compareGolden(t, c.log, stderr)
			t.Run("webhook", func(t *testing.T) {
				got := webhookMutate(t, c.config, c.in)
				want := documentsJSON(t, c.out)
				compareObjects(t, got, want)
			})
			t.Run("idempotent", func(t *testing.T) {
				again, log := runCLI(t, c.config, c.out, 0)
				if !bytes.Equal(again, stdout) {
					t.Errorf("mutating the output changed it:\n%s", again)
				}
				if bytes.Contains(log, []byte(" applied")) {
					t.Errorf("second run applied mutations:\n%s", log)
				}
				if patched := webhookMutate(t, c.config, c.out); !reflect.DeepEqual(patched, documentsJSON(t, c.out)) {
					t.Error("webhook changed the output again")
				}
			})
		})
	}
}

// TestNoStaleGoldens fails on outputs whose input is gone.
func TestNoStaleGoldens(t *testing.T) {
	for _, suffix := range []string{outSuffix, logSuffix, configSuffix} {
		files, _ := filepath.Glob(filepath.Join("testdata", "*"+suffix))
		for _, f := range files {
			in := strings.TrimSuffix(f, suffix) + inSuffix
			if _, err := os.Stat(in); err != nil {
				t.Errorf("stale golden file %s: no %s", f, in)
			}
		}
	}
}

// runCLI runs `istio-guardrail mutate` on in and checks its exit code.
func runCLI(t *testing.T, config, in string, wantCode int) (stdout, stderr []byte) {
	t.Helper()
	args := []string{"mutate", "-f", in}
	if config != "" {
		args = append(args, "--config", config)
	}
	cmd := exec.Command(binary, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	if code != wantCode {
		t.Fatalf("%v exited %d, want %d; stderr:\n%s", args, code, wantCode, e.String())
	}
	return o.Bytes(), e.Bytes()
}

// compareGolden compares got with the file, or rewrites it under UPDATE_GOLDEN=1.
func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if update() {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("missing golden file (run with UPDATE_GOLDEN=1): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (run with UPDATE_GOLDEN=1 if the change is intended)\n--- got ---\n%s\n--- want ---\n%s", file, got, want)
	}
}

// documentsJSON decodes every document of a file into generic JSON values.
func documentsJSON(t *testing.T, file string) []any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs, errs := manifest.Parse(file, data, manifest.Options{})
	if len(errs) > 0 {
		t.Fatalf("parse %s: %v", file, errs)
	}
	out := make([]any, 0, len(docs))
	for _, d := range docs {
		out = append(out, decodeJSON(t, d.Raw))
	}
	return out
}

func decodeJSON(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// compareObjects compares the webhook's objects with the CLI's, one by one.
func compareObjects(t *testing.T, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("webhook returned %d objects, CLI %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.MarshalIndent(got[i], "", "  ")
			w, _ := json.MarshalIndent(want[i], "", "  ")
			t.Errorf("document %d differs between webhook and CLI\n--- webhook ---\n%s\n--- cli ---\n%s", i, g, w)
		}
	}
}
