package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const (
	casesDir  = "testdata/cases"
	goldenDir = "testdata/golden"
	flagsExt  = ".flags"
)

// update rewrites golden files instead of comparing them.
var update = os.Getenv("UPDATE_GOLDEN") == "1"

// inputs lists the case inputs: every file in testdata/cases except .flags files.
func inputs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) != flagsExt {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no golden inputs found in " + casesDir)
	}
	return out
}

// caseArgs returns the check arguments of an input: -f input plus the
// words of input.flags, if present.
func caseArgs(t *testing.T, input string) []string {
	t.Helper()
	args := []string{"check", "-f", input}
	flags, err := os.ReadFile(filepath.Join(casesDir, strings.TrimSuffix(input, filepath.Ext(input))+flagsExt))
	if err == nil {
		args = append(args, strings.Fields(string(flags))...)
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return args
}

func TestGoldenCheck(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(in, func(t *testing.T) {
			args := caseArgs(t, in)
			text := runBinary(t, casesDir, append(args, "-o", "text")...)
			compare(t, in+".txt", renderText(args, text))
			js := runBinary(t, casesDir, append(args, "-o", "json")...)
			if js.code != text.code {
				t.Errorf("exit code %d with -o json, %d with -o text", js.code, text.code)
			}
			compare(t, in+".json", indentJSON(t, js.stdout))
		})
	}
}

// renderText is the golden form of a text run: command, exit code, stdout
// and stderr.
func renderText(args []string, r result) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# istio-guardrail %s -o text\n# exit: %d\n%s", strings.Join(args, " "), r.code, r.stdout)
	if r.stderr != "" {
		fmt.Fprintf(&b, "# stderr:\n%s", r.stderr)
	}
	return b.Bytes()
}

func indentJSON(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		t.Fatalf("check -o json printed invalid JSON: %v\n%s", err, s)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// compare checks got against testdata/golden/name, or rewrites it.
func compare(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file %s (run UPDATE_GOLDEN=1 go test ./test/golden/check/): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run UPDATE_GOLDEN=1 go test ./test/golden/check/ and review the diff)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestNoStaleGolden fails on golden files whose input no longer exists.
func TestNoStaleGolden(t *testing.T) {
	have := map[string]bool{}
	for _, in := range inputs(t) {
		have[in+".txt"], have[in+".json"] = true, true
	}
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !have[e.Name()] {
			if update {
				if err := os.Remove(filepath.Join(goldenDir, e.Name())); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("stale golden file %s has no input in %s (remove it or run UPDATE_GOLDEN=1)", e.Name(), casesDir)
		}
	}
}
