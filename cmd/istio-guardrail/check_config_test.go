package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckHonoursConfigExclude: the configuration's exclude: globs add to
// --exclude when check walks a directory.
func TestCheckHonoursConfigExclude(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	permissive := "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: istio-system}\nspec: {mtls: {mode: PERMISSIVE}}\n"
	write("repo/legacy/pa.yaml", permissive)
	write("repo/ok.yaml", strings.Replace(permissive, "PERMISSIVE", "STRICT", 1))
	cfg := write("guardrail.yaml", "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nexclude: [legacy]\n")
	if code, out, errOut := runCLI(t, "", "check", filepath.Join(dir, "repo")); code != 1 {
		t.Fatalf("without the config: exit %d, want 1 (the legacy file denied)\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", "check", "--config", cfg, filepath.Join(dir, "repo")); code != 0 {
		t.Fatalf("with exclude: [legacy]: exit %d, want 0\n%s%s", code, out, errOut)
	}
}
