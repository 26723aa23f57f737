package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stdin is the -f argument that reads standard input.
const Stdin = "-"

// manifestExts are the extensions picked up when a directory is expanded.
var manifestExts = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Files expands -f arguments: files are kept as given, directories are walked
// recursively for *.yaml, *.yml and *.json (sorted; hidden directories such
// as .git are skipped), and "-" stands for
// stdin. Arguments keep their order; a path that does not exist is an error.
func Files(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == Stdin {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", a, err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		found, err := walkDir(a)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// walkDir lists the manifest files under dir, sorted.
func walkDir(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .git, .github and the like hold no manifests
		}
		if !d.IsDir() && manifestExts[strings.ToLower(filepath.Ext(p))] {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", dir, err)
	}
	sort.Strings(found)
	return found, nil
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
