package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a.yml", "sub/c.json", "sub/deeper/d.YAML", "notes.txt", "sub/e.yaml.bak", ".git/config.json"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	single := filepath.Join(dir, "notes.txt")
	tests := []struct {
		desc    string
		args    []string
		want    []string
		wantErr string
	}{
		{"directory is walked recursively, sorted, manifests only", []string{dir}, []string{"a.yml", "b.yaml", "sub/c.json", "sub/deeper/d.YAML"}, ""},
		{"explicit file is kept whatever its extension", []string{single}, []string{"notes.txt"}, ""},
		{"stdin and argument order are kept", []string{"-", single}, []string{"-", "notes.txt"}, ""},
		{"missing path is an error", []string{filepath.Join(dir, "nope.yaml")}, nil, "nope.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := Files(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rel := make([]string, len(got))
			for i, g := range got {
				if r, err := filepath.Rel(dir, g); err == nil && g != "-" {
					g = filepath.ToSlash(r)
				}
				rel[i] = g
			}
			if strings.Join(rel, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Files = %v, want %v", rel, tc.want)
			}
		})
	}
}

func TestRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(p, []byte("from file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc, path, want string
	}{
		{"file", p, "from file"},
		{"stdin", "-", "from stdin"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := Read(tc.path, strings.NewReader("from stdin"))
			if err != nil || string(got) != tc.want {
				t.Fatalf("Read = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := Read(p+".missing", nil); err == nil {
		t.Error("want an error for a missing file")
	}
}
