package manifest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Stdin is the -f argument that reads standard input.
const Stdin = "-"

// manifestExts are the extensions picked up when a directory is expanded.
var manifestExts = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// ErrUntyped is wrapped by the parse errors of documents that are not
// Kubernetes objects: no apiVersion or kind, or not a mapping at all.
// A repository holds many such YAML files (CI configs, Helm values); check
// skips them unless asked to be strict.
var ErrUntyped = errors.New("document has no apiVersion or kind")

// untypedError is a parse error that is ErrUntyped, with its own message.
type untypedError struct{ msg string }

func untypedErr(format string, args ...any) error { return untypedError{fmt.Sprintf(format, args...)} }

func (e untypedError) Error() string      { return e.msg }
func (untypedError) Is(target error) bool { return target == ErrUntyped }

// FileOptions tune Files.
type FileOptions struct {
	// Exclude are glob patterns of paths not to read while walking a
	// directory: a pattern without "/" matches the base name of a file or
	// directory at any depth; one with "/" matches the slash-separated path
	// relative to the directory given, where "**" matches any number of
	// directories. A file named explicitly is read even if it matches.
	Exclude []string
	// Strict reads every *.yaml, *.yml and *.json file found while walking,
	// including the non-manifest files Files otherwise leaves out.
	Strict bool
	// Ignore, when set and not Strict, reports paths found while walking
	// the directory root that are not to be read (files git ignores).
	Ignore func(root, path string) bool
}

// FileSet is the outcome of Files.
type FileSet struct {
	// Files are the inputs to read, in argument order, each once.
	Files []string
	// Skipped are files and directories left out while walking because
	// they are known not to hold manifests, each with the reason.
	Skipped []SkippedPath
}

// SkippedPath is a path Files left out.
type SkippedPath struct {
	Path   string
	Reason string
}

// Reasons a path is skipped while walking.
const (
	ReasonExcluded = "excluded"
	ReasonHidden   = "hidden"
	ReasonChart    = "Helm chart source"
	ReasonTooling  = "not a manifest"
	ReasonTestdata = "test fixtures"
	ReasonIgnored  = "ignored by git"
)

// notManifests are base names (lower case) of YAML and JSON files that are
// tool configuration, never Kubernetes manifests.
var notManifests = map[string]bool{
	"kustomization.yaml": true, "kustomization.yml": true, "kustomization": true,
	"chart.yaml": true, "chart.lock": true, "values.schema.json": true,
	"action.yml": true, "action.yaml": true, "mkdocs.yml": true, "mkdocs.yaml": true,
	"codecov.yml": true, "codecov.yaml": true, "docker-compose.yml": true, "docker-compose.yaml": true,
	"compose.yml": true, "compose.yaml": true, "package.json": true, "package-lock.json": true,
	"pnpm-lock.yaml": true, "tsconfig.json": true, "renovate.json": true, "buf.yaml": true,
	"buf.gen.yaml": true, "buf.work.yaml": true, "artifacthub-repo.yml": true,
}

// skippedDirs are directory names whose contents are not deployed: Go's
// convention for test fixtures (deliberately invalid inputs among them) and
// vendored third-party trees.
var skippedDirs = map[string]string{"testdata": ReasonTestdata, "vendor": ReasonTooling, "node_modules": ReasonTooling}

// Files expands -f arguments: files are kept as given, directories are
// walked recursively for *.yaml, *.yml and *.json (sorted), symbolic links
// followed (a link back to a directory being walked is not walked again),
// and "-" stands for stdin. Arguments keep their order, and a file reached
// twice (named twice, or through a link) is read once. While walking,
// hidden directories (.git, .github) are skipped and, unless opts.Strict,
// hidden files (.golangci.yml), testdata, vendor and node_modules directories, the
// sources of Helm charts (every file of a directory holding Chart.yaml
// except its crds/) and known tool configuration files are skipped and
// listed in FileSet.Skipped. A path that does not exist is an error.
func Files(args []string, opts FileOptions) (FileSet, error) {
	for _, p := range opts.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return FileSet{}, fmt.Errorf("invalid --exclude %q: %w", p, err)
		}
	}
	w := &walker{opts: opts, seen: map[string]bool{}}
	for _, a := range args {
		if a == Stdin {
			if !w.seen[Stdin] {
				w.seen[Stdin] = true
				w.set.Files = append(w.set.Files, a)
			}
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return FileSet{}, fmt.Errorf("read %s: %w", a, err)
		}
		if !st.IsDir() {
			w.addFile(a)
			continue
		}
		if err := w.walk(a, a, "", nil); err != nil {
			return FileSet{}, err
		}
	}
	return w.set, nil
}

// walker collects the files of one Files call.
type walker struct {
	opts FileOptions
	set  FileSet
	// seen holds the real paths of files added and of directories walked.
	seen map[string]bool
}

// addFile adds a file unless its real path was added already.
func (w *walker) addFile(p string) {
	key := realPath(p)
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.set.Files = append(w.set.Files, p)
}

// realPath is the absolute path with symbolic links resolved (p itself
// when that fails).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// walk lists dir (reached as p, rel to the argument root) recursively.
// ancestors are the real paths of the directories being walked above it:
// a link to one of them is a loop.
func (w *walker) walk(root, dir, rel string, ancestors []string) error {
	real := realPath(dir)
	if slices.Contains(ancestors, real) || w.seen[real] {
		return nil // a loop, or a directory already walked through another path
	}
	w.seen[real] = true
	ancestors = append(ancestors, real)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("walk %s: %w", root, err)
	}
	chart := !w.opts.Strict && slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == "Chart.yaml" })
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		p, r := filepath.Join(dir, e.Name()), path.Join(rel, e.Name())
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				continue // a dangling link names nothing to read
			}
			isDir = st.IsDir()
		}
		reason := w.skip(e.Name(), r, isDir, chart)
		if reason == "" && !w.opts.Strict && w.opts.Ignore != nil && w.opts.Ignore(root, p) {
			reason = ReasonIgnored
		}
		if reason != "" {
			w.set.Skipped = append(w.set.Skipped, SkippedPath{Path: p, Reason: reason})
			continue
		}
		if isDir {
			if err := w.walk(root, p, r, ancestors); err != nil {
				return err
			}
			continue
		}
		if manifestExts[strings.ToLower(filepath.Ext(e.Name()))] {
			w.addFile(p)
		}
	}
	return nil
}

// skip returns why an entry found while walking is not read, or "".
func (w *walker) skip(name, rel string, isDir, inChart bool) string {
	if excluded(w.opts.Exclude, name, rel) {
		return ReasonExcluded
	}
	if isDir && strings.HasPrefix(name, ".") {
		return ReasonHidden // .git, .github and the like: even when strict
	}
	if w.opts.Strict {
		return ""
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, "."):
		if !isDir && !manifestExts[strings.ToLower(filepath.Ext(name))] {
			return "" // not a candidate anyway: not worth a line
		}
		return ReasonHidden
	case inChart && !(isDir && name == "crds"):
		if !isDir && !manifestExts[strings.ToLower(filepath.Ext(name))] {
			return ""
		}
		return ReasonChart
	case isDir:
		return skippedDirs[name]
	case notManifests[lower]:
		return ReasonTooling
	}
	return ""
}

// excluded reports whether a pattern matches the base name or the
// relative path of an entry.
func excluded(patterns []string, name, rel string) bool {
	for _, p := range patterns {
		p = strings.TrimPrefix(filepath.ToSlash(p), "./")
		if !strings.Contains(strings.TrimSuffix(p, "/"), "/") {
			if ok, _ := path.Match(strings.TrimSuffix(p, "/"), name); ok {
				return true
			}
			continue
		}
		if matchSegments(strings.Split(strings.Trim(p, "/"), "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

// matchSegments matches path segments against pattern segments, where
// "**" matches any number of segments (none included).
func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// ErrTooLarge is returned (wrapped) by Read for inputs above MaxFileSize.
var ErrTooLarge = errors.New("input too large")

// Read returns the contents of a path from Files; "-" reads stdin. Inputs
// larger than MaxFileSize are refused.
func Read(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != Stdin {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", DisplayName(path), err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read %s: %w (limit %d bytes)", DisplayName(path), ErrTooLarge, MaxFileSize)
	}
	return data, nil
}
