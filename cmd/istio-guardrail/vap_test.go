package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVAPCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "guardrail.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101: {action: off}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrulez: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc           string
		args           []string
		want           int
		stdout, stderr string
		notStdout      string
	}{
		{"defaults", nil, 0, "name: istio-guardrail-igr101", "IGR203: not generated: no exact CEL form", ""},
		{"a rule switched off", []string{"--config", cfg}, 0, "name: istio-guardrail-igr201", "IGR101: not generated: off in the configuration", "istio-guardrail-igr101"},
		{"name and namespace", []string{"--name", "g", "--namespace", "ops"}, 0, "namespace: ops", "", ""},
		{"invalid config", []string{"--config", bad}, 2, "", "rulez", ""},
		{"positional argument", []string{"x"}, 2, "", "unexpected argument", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"vap"}, tc.args...)...)
			if code != tc.want || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) ||
				(tc.notStdout != "" && strings.Contains(out, tc.notStdout)) {
				t.Fatalf("exit %d (want %d); stdout (want %q, not %q):\n%s\nstderr (want %q):\n%s", code, tc.want, tc.stdout, tc.notStdout, out, tc.stderr, errOut)
			}
		})
	}
}
