package mutate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// run runs the CLI with stdin and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"mutate"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

const plainPod = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: nginx}]
`

// TestMutateCLI covers the flags and exit codes the golden files do not.
func TestMutateCLI(t *testing.T) {
	tests := map[string]struct {
		stdin      string
		args       []string
		code       int
		wantOut    []string // substrings of stdout
		wantErr    []string // substrings of stderr
		notWantOut []string
	}{
		"stdin, yaml by default": {
			stdin: plainPod, args: []string{"-f", "-"},
			wantOut: []string{"kind: Pod", "sidecar.istio.io/proxyCPU: 100m"}, wantErr: []string{"pod/web: IGR901 applied"},
		},
		"json of one object": {
			stdin: plainPod, args: []string{"-f", "-", "-o", "json"},
			wantOut: []string{`"kind": "Pod"`, `"istio-guardrail.io/mutated": "IGR901,IGR902,IGR903"`}, notWantOut: []string{`"List"`},
		},
		"json of several objects is a List": {
			stdin: plainPod + "---\n" + strings.Replace(plainPod, "name: web,", "name: api,", 1), args: []string{"-f", "-", "-o", "json"},
			wantOut: []string{`"kind": "List"`, `"name": "api"`},
		},
		"diff shows only the mutations": {
			stdin: plainPod, args: []string{"-f", "-", "-o", "diff"},
			wantOut:    []string{"--- <stdin>\n+++ <stdin>\n", "+    sidecar.istio.io/proxyCPU: 100m", "+  terminationGracePeriodSeconds: 35"},
			notWantOut: []string{"-kind: Pod"},
		},
		"namespace assumed without labels": {
			stdin: plainPod, args: []string{"-f", "-", "--namespace-label="},
			wantErr: []string{"pod/web: skipped: namespace shop is not in the mesh"}, notWantOut: []string{"proxyCPU"},
		},
		"namespace assumed with a revision": {
			stdin: plainPod, args: []string{"-f", "-", "--namespace-label", "istio.io/rev=1-20-0"},
			wantErr: []string{"pod/web: IGR903 applied"},
		},
		"default namespace flag": {
			stdin: strings.Replace(plainPod, ", namespace: shop", "", 1), args: []string{"-f", "-", "--namespace", "kube-system"},
			wantErr: []string{"skipped: namespace kube-system is never mutated"},
		},
		"workloads off keeps the config": {
			stdin:   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n",
			args:    []string{"-f", "-", "--workloads=false"},
			wantErr: []string{"deploy/d: skipped: kind Deployment not targeted"},
		},
		"parse error: exit 2, other documents still printed": {
			stdin: plainPod + "---\nkind: [\n", args: []string{"-f", "-"}, code: 2,
			wantOut: []string{"kind: Pod"}, wantErr: []string{"<stdin>:"},
		},
		"no input":                      {args: []string{}, code: 2, wantErr: []string{"no input"}},
		"bad output format":             {args: []string{"-f", "-", "-o", "xml"}, code: 2, wantErr: []string{`invalid -o "xml"`}},
		"bad namespace label":           {args: []string{"-f", "-", "--namespace-label", "novalue"}, code: 2, wantErr: []string{"want key=value"}},
		"missing file":                  {args: []string{"-f", "does-not-exist.yaml"}, code: 2, wantErr: []string{"does-not-exist.yaml"}},
		"missing config":                {args: []string{"-f", "-", "--config", "nope.yaml"}, code: 2, wantErr: []string{"nope.yaml"}},
		"a positional path is an input": {args: []string{"-f", "-", "extra"}, code: 2, wantErr: []string{"read extra: "}},
		"unknown flag is usage":         {args: []string{"--bogus"}, code: 2, wantErr: []string{"usage: istio-guardrail mutate"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := run(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWantOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestMutateCLIJSONIsValid checks -o json parses back.
func TestMutateCLIJSONIsValid(t *testing.T) {
	out, _, code := run(t, plainPod, "-f", "-", "-o", "json")
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["kind"] != "Pod" {
		t.Fatalf("exit %d, output not a JSON Pod:\n%s", code, out)
	}
}
