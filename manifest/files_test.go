package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// tree writes files (content "x: 1") and symbolic links (name -> target,
// relative to the link) under a new temporary directory.
func tree(t *testing.T, files []string, links map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFiles(t *testing.T) {
	dir := tree(t, []string{
		"b.yaml", "a.yml", "sub/c.json", "sub/deeper/d.YAML", "notes.txt", "sub/e.yaml.bak", ".git/config.json",
		".golangci.yml", "kustomization.yaml", "testdata/broken.yaml", "vendor/x/v.yaml", "sub/gen/z.yaml",
		"chart/Chart.yaml", "chart/values.yaml", "chart/templates/deploy.yaml", "chart/crds/crd.yaml", "chart/README.md",
		"real/m.yaml",
	}, map[string]string{
		"link-to-real":  "real",         // a directory reached twice: read once
		"sub/deeper/up": "..",           // a loop back to sub
		"dangling":      "nowhere.yaml", // names nothing
		"z-alias.yaml":  "b.yaml",       // a file reached twice
	})
	single := filepath.Join(dir, "notes.txt")
	tests := []struct {
		desc     string
		args     []string
		opts     FileOptions
		want     []string
		wantSkip string // sorted "path=reason" of FileSet.Skipped
		wantErr  string
	}{
		{desc: "directory is walked recursively, sorted, manifests only, links followed once", args: []string{dir},
			want: []string{"a.yml", "b.yaml", "chart/crds/crd.yaml", "link-to-real/m.yaml", "sub/c.json", "sub/deeper/d.YAML", "sub/gen/z.yaml"},
			wantSkip: ".git=hidden .golangci.yml=hidden chart/Chart.yaml=Helm chart source chart/templates=Helm chart source " +
				"chart/values.yaml=Helm chart source kustomization.yaml=not a manifest testdata=test fixtures vendor=not a manifest"},
		{desc: "strict reads what is skipped, except hidden directories", args: []string{dir}, opts: FileOptions{Strict: true},
			want: []string{".golangci.yml", "a.yml", "b.yaml", "chart/Chart.yaml", "chart/crds/crd.yaml", "chart/templates/deploy.yaml",
				"chart/values.yaml", "kustomization.yaml", "link-to-real/m.yaml", "sub/c.json", "sub/deeper/d.YAML", "sub/gen/z.yaml",
				"testdata/broken.yaml", "vendor/x/v.yaml"},
			wantSkip: ".git=hidden"},
		{desc: "exclude by base name, by relative path with **, by directory", args: []string{dir},
			opts: FileOptions{Exclude: []string{"*.json", "sub/**/z.yaml", "chart/"}},
			want: []string{"a.yml", "b.yaml", "link-to-real/m.yaml", "sub/deeper/d.YAML"},
			wantSkip: ".git=hidden .golangci.yml=hidden chart=excluded kustomization.yaml=not a manifest sub/c.json=excluded " +
				"sub/gen/z.yaml=excluded testdata=test fixtures vendor=not a manifest"},
		{desc: "ignored paths are skipped", args: []string{filepath.Join(dir, "sub")},
			opts: FileOptions{Ignore: func(_, p string) bool { return filepath.Base(p) == "gen" }},
			want: []string{"sub/c.json", "sub/deeper/d.YAML"}, wantSkip: "sub/gen=ignored by git"},
		{desc: "a symbolic link to a directory given as the argument is walked", args: []string{filepath.Join(dir, "link-to-real")},
			want: []string{"link-to-real/m.yaml"}},
		{desc: "explicit file is kept whatever its extension or name", args: []string{single, filepath.Join(dir, "kustomization.yaml")},
			want: []string{"notes.txt", "kustomization.yaml"}},
		{desc: "a file given twice, or through a link, is read once", args: []string{filepath.Join(dir, "z-alias.yaml"), "-", filepath.Join(dir, "b.yaml"), filepath.Join(dir, "sub"), "-"},
			want: []string{"z-alias.yaml", "-", "sub/c.json", "sub/deeper/d.YAML", "sub/gen/z.yaml"}},
		{desc: "a loop is walked once", args: []string{filepath.Join(dir, "sub", "deeper")},
			want: []string{"sub/deeper/d.YAML", "sub/deeper/up/c.json", "sub/deeper/up/gen/z.yaml"}},
		{desc: "stdin and argument order are kept", args: []string{"-", single}, want: []string{"-", "notes.txt"}},
		{desc: "missing path is an error", args: []string{filepath.Join(dir, "nope.yaml")}, wantErr: "nope.yaml"},
		{desc: "bad exclude pattern is an error", args: []string{dir}, opts: FileOptions{Exclude: []string{"[x"}}, wantErr: "invalid --exclude"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := Files(tc.args, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rel := func(p string) string {
				if r, err := filepath.Rel(dir, p); err == nil && p != "-" {
					return filepath.ToSlash(r)
				}
				return p
			}
			var files, skipped []string
			for _, g := range got.Files {
				files = append(files, rel(g))
			}
			for _, s := range got.Skipped {
				skipped = append(skipped, rel(s.Path)+"="+s.Reason)
			}
			sort.Strings(skipped)
			if strings.Join(files, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Files = %v, want %v", files, tc.want)
			}
			if s := strings.Join(skipped, " "); s != tc.wantSkip {
				t.Errorf("Skipped = %q, want %q", s, tc.wantSkip)
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

// TestUntypedErrors: documents that are not Kubernetes objects are told
// apart from broken ones, so check can skip the first and report the second.
func TestUntypedErrors(t *testing.T) {
	tests := []struct {
		desc, in string
		untyped  bool
	}{
		{"a mapping without apiVersion or kind", "name: x\n", true},
		{"apiVersion without kind", "apiVersion: v1\nmetadata: {name: c}\n", true},
		{"a top-level list", "- id: hook\n", true},
		{"a scalar", "just text\n", true},
		{"invalid YAML", "apiVersion: v1\nkind: Pod\nmetadata: name: x\n", false},
		{"a field of the wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: many}\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, errs := Parse("f.yaml", []byte(tc.in), Options{})
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			if got := errors.Is(errs[0], ErrUntyped); got != tc.untyped {
				t.Errorf("errors.Is(%v, ErrUntyped) = %v, want %v", errs[0], got, tc.untyped)
			}
		})
	}
}
