package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHelpEverywhere: `-h`, `--help` and `help <cmd>` print that command's
// own help on stdout and exit 0, for every command.
func TestHelpEverywhere(t *testing.T) {
	for _, cmd := range [][]string{{"check"}, {"mutate"}, {"serve"}, {"rules"}, {"config"}, {"config", "validate"}, {"config", "default"}, {"version"}, {"completion"}} {
		name := strings.Join(cmd, " ")
		want := "istio-guardrail " + name
		for _, args := range [][]string{append(cmd, "-h"), append(cmd, "--help"), append([]string{"help"}, cmd...)} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errOut := runCLI(t, "", args...)
				if code != 0 || !strings.Contains(out, want) || errOut != "" {
					t.Fatalf("exit %d, stdout lacks %q or stderr not empty:\n%s\nstderr:\n%s", code, want, out, errOut)
				}
			})
		}
	}
	t.Run("help check is check's help, not the top level", func(t *testing.T) {
		_, out, _ := runCLI(t, "", "help", "check")
		if !strings.Contains(out, "--fail-on") || strings.Contains(out, "Available Commands") {
			t.Fatalf("not check's help:\n%s", out)
		}
	})
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.yaml": "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrulez: {}\n"})
	tests := []struct {
		desc       string
		args       []string
		want       int
		wantStderr string
	}{
		{"no command", nil, 2, "usage: istio-guardrail"},
		{"unknown command", []string{"bogus"}, 2, `unknown command "bogus"`},
		{"unknown flag shows the command's usage", []string{"rules", "--bogus"}, 2, "usage: istio-guardrail rules"},
		{"config without subcommand", []string{"config"}, 2, "usage: istio-guardrail config"},
		{"config validate without files", []string{"config", "validate"}, 2, "give at least one FILE"},
		{"config validate on a missing file is an input error", []string{"config", "validate", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{"config validate on a directory is an input error", []string{"config", "validate", dir}, 2, "is a directory"},
		{"config validate on an invalid file is a finding", []string{"config", "validate", filepath.Join(dir, "bad.yaml")}, 1, "rulez"},
		{"config default takes no argument", []string{"config", "default", "x"}, 2, "unexpected argument"},
		{"version with a bad format", []string{"version", "-o", "xml"}, 2, "invalid --output"},
		{"serve with a stray argument", []string{"serve", "x"}, 2, "unexpected arguments: x"},
		{"serve with a bad flag value", []string{"serve", "--cert-mode=vault"}, 2, "--cert-mode"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != tc.want || !strings.Contains(errOut, tc.wantStderr) {
				t.Fatalf("exit %d (want %d), stderr lacks %q:\n%s\nstdout:\n%s", code, tc.want, tc.wantStderr, errOut, out)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"version", "--output", "text"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || out != "istio-guardrail "+version+"\n" {
			t.Errorf("%v: exit %d, output %q", args, code, out)
		}
	}
	code, out, _ := runCLI(t, "", "version", "-o", "json")
	var got versionInfo
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("exit %d, invalid JSON %v: %q", code, err, out)
	}
	if want := (versionInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "complete -o default -F", "zsh": "#compdef istio-guardrail", "fish": "complete -c istio-guardrail"} {
		code, out, errOut := runCLI(t, "", "completion", shell)
		if code != 0 || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, output lacks %q (stderr %q)", shell, code, marker, errOut)
		}
	}
	// Flags complete too: the shell scripts call back into __complete.
	_, out, _ := runCLI(t, "", "__complete", "check", "--fail")
	if !strings.Contains(out, "--fail-on") {
		t.Errorf("check --fail<TAB> does not offer --fail-on:\n%s", out)
	}
}

// TestLongAndShortForms: every -o has an --output long form, every -f a
// --filename one, and the one-dash long flags that Go's flag package
// accepted still work.
func TestLongAndShortForms(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pa.yaml": permissivePA, "relaxed.yaml": "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: warn\n"})
	pa, relaxed := filepath.Join(dir, "pa.yaml"), filepath.Join(dir, "relaxed.yaml")
	tests := []struct {
		desc string
		args []string
		want int
		has  string
	}{
		{"check --output --filename", []string{"check", "--filename", pa, "--output", "json"}, 1, `"rule":"IGR101"`},
		{"check -f= -o=", []string{"check", "-f=" + pa, "-o=json"}, 1, `"rule":"IGR101"`},
		{"check one-dash long flags", []string{"check", "-f", pa, "-config", relaxed, "-fail-on=warn"}, 1, "1 warn"},
		{"mutate --output", []string{"mutate", "--filename", pa, "--output", "json"}, 0, `"kind": "PeerAuthentication"`},
		{"rules --output", []string{"rules", "--output", "markdown"}, 0, "### IGR101"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != tc.want || !strings.Contains(out, tc.has) {
				t.Fatalf("exit %d (want %d), stdout lacks %q:\n%s\nstderr:\n%s", code, tc.want, tc.has, out, errOut)
			}
		})
	}
}

// TestNamespaceLabelOneSyntax: check and mutate read --namespace-label the
// same way: NAMESPACE:key=value for one namespace, key=value for every
// other namespace not in the input.
func TestNamespaceLabelOneSyntax(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: app, image: nginx}]}\n"
	tests := []struct {
		desc    string
		labels  []string
		mutated bool
	}{
		{"default: injection assumed", nil, true},
		{"the named namespace is injected", []string{"shop:istio-injection=enabled"}, true},
		{"the named namespace is not injected, others are", []string{"shop:team=a", "istio-injection=enabled"}, false},
		{"another namespace is named, others unlabelled", []string{"other:istio-injection=enabled", ""}, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			args := []string{"mutate", "-f", "-"}
			for _, l := range tc.labels {
				args = append(args, "--namespace-label="+l)
			}
			code, out, errOut := runCLI(t, pod, args...)
			if code != 0 || strings.Contains(out, "proxyCPU") != tc.mutated {
				t.Fatalf("exit %d, mutated=%v, want %v:\n%s\n%s", code, strings.Contains(out, "proxyCPU"), tc.mutated, out, errOut)
			}
		})
	}
	if code, _, errOut := runCLI(t, pod, "mutate", "-f", "-", "--namespace-label", ":a=b"); code != 2 || !strings.Contains(errOut, "NAMESPACE:key=value") {
		t.Errorf("empty namespace: exit %d, %s", code, errOut)
	}
}

// TestKubectlPlugin: installed as kubectl-istio_guardrail, the help names
// the command as kubectl users type it.
func TestKubectlPlugin(t *testing.T) {
	t.Cleanup(func() { invokedAs = "istio-guardrail" })
	invokedAs = kubectlPlugin
	code, out, _ := runCLI(t, "", "check", "-h")
	if code != 0 || !strings.Contains(out, "usage: kubectl istio-guardrail check") {
		t.Fatalf("exit %d, help does not name the plugin:\n%s", code, out)
	}
}

// TestLegacyCommand: an old-style command keeps its arguments, output and
// exit code inside the tree.
func TestLegacyCommand(t *testing.T) {
	var got []string
	cmd := legacyCommand("old [flags]", "an old-style command", func(args []string, _ io.Reader, stdout, _ io.Writer) int {
		got = args
		fmt.Fprintln(stdout, "ran")
		return 3
	})
	root := newRootCmd()
	root.AddCommand(cmd)
	var out bytes.Buffer
	root.SetArgs([]string{"old", "-x", "--flag=v", "-h"})
	root.SetOut(&out)
	_, err := root.ExecuteC()
	var ce *codeError
	if !errors.As(err, &ce) || ce.code != 3 || out.String() != "ran\n" || strings.Join(got, " ") != "-x --flag=v -h" {
		t.Fatalf("err %v, output %q, args %q", err, out.String(), got)
	}
}
