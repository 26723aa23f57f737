package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// sameTree reports where a differs from b in what the decoder reads of a
// node: kind, style, value, tag, position and children.
func sameTree(a, b *yaml.Node, at string) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.Value != b.Value || a.Tag != b.Tag ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: fast {kind %v style %v value %q tag %s at %d:%d, %d children} vs yaml.v3 {kind %v style %v value %q tag %s at %d:%d, %d children}",
			at, a.Kind, a.Style, a.Value, a.Tag, a.Line, a.Column, len(a.Content), b.Kind, b.Style, b.Value, b.Tag, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFast compares fastParse with yaml.v3 on one part: where fastParse
// takes the part, yaml.v3 must parse it to the same tree.
func checkFast(t *testing.T, name string, part []byte) bool {
	t.Helper()
	fast, ok := fastParse(part)
	if !ok {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal(part, &want); err != nil {
		t.Errorf("%s: fastParse took a part yaml.v3 refuses (%v):\n%s", name, err, part)
		return true
	}
	// yaml.v3's document node itself is not read: compare what it holds.
	if len(want.Content) != 1 {
		t.Errorf("%s: yaml.v3 document holds %d nodes:\n%s", name, len(want.Content), part)
		return true
	}
	if err := sameTree(fast.Content[0], want.Content[0], "doc"); err != nil {
		t.Errorf("%s: %v\n%s", name, err, part)
	}
	return true
}

// fastCases are parts at the edges of the subset: every one is compared
// with yaml.v3, taken or not.
var fastCases = []string{
	peerAuth,
	"a: b\n",
	"---\na: 1\nb: [1, 2, x y]\nc: {d: e, f: [g]}\n",
	"a:\n- b\n- c: d\n  e: f\n-   g: h\n    i: j\nk: l\n",
	"a:\n  - b\n  -\n    c: d\n",
	"a: 'q'\nb: \"r s\"\n'c': x\n\"d\": y\n- e\n",
	"a: b: c\n",
	"a: b\n  c\n",
	"a:\n  b: 1\n c: 2\n",
	"a:\nb: 1\n",
	"a: -1\nb: - 1\n",
	"a: [b, c\n",
	"a: {b: c}, d\n",
	"a: [b,]\n",
	"a: [b: c]\n",
	"a: {b}\n",
	"a: {b: c:d}\n",
	"a: http://x:80/y\n",
	"a: 'it''s'\n",
	"key : v\n",
	"<<: {a: b}\n",
	"a: ~\nb: null\nc: true\nd: yes\ne: 0x1F\nf: 1_000\ng: 2001-12-14\nh: .inf\ni: 012\n",
	"- a\n- b\n",
	"a\n",
	"a: b\n...\n",
	"--- a: b\n",
	"a: [ b , c ]\nd: { e: f , g: h }\n",
	"a: [[b, c], {d: [e]}]\n",
	"a:     b   \nc:   d\n",
	"a: \"\"\nb: ''\nc: []\nd: {}\n",
	"items:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- 3\n",
	"a: b # c\n",
	"a:\n  - - b\n",
	"a: \"b\" c\n",
	"a: [\"b\", 'c', d]\n",
	"\n\n  \na: b\n\n",
	"a: b\n   \n  \nc: d\n",
}

func TestFastParseMatchesYAML(t *testing.T) {
	taken := 0
	for i, c := range fastCases {
		if checkFast(t, fmt.Sprintf("case %d", i), []byte(c)) {
			taken++
		}
	}
	if taken < 15 {
		t.Errorf("fastParse took only %d of the %d cases", taken, len(fastCases))
	}
}

// TestFastParseMatchesYAMLOnRepository compares the two on every part of
// every YAML file of the repository (test inputs, examples, charts, the
// golden corpus) and on the generated benchmark corpora, and requires the
// fast path to take most of the benchmark corpora's parts.
func TestFastParseMatchesYAMLOnRepository(t *testing.T) {
	root := filepath.Join("..")
	files, parts, taken := 0, 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".txt")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, c := range splitDocuments(data) {
			parts++
			if checkFast(t, path+":"+fmt.Sprint(c.line), c.data) {
				taken++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d parts, %d taken by fastParse", files, parts, taken)
	var b bytes.Buffer
	b.Write(benchInput(200))
	bench, benchTaken := 0, 0
	for _, c := range splitDocuments(b.Bytes()) {
		if len(bytes.TrimSpace(c.data)) == 0 || bytes.Equal(bytes.TrimSpace(c.data), []byte("---")) {
			continue
		}
		bench++
		if checkFast(t, fmt.Sprintf("bench:%d", c.line), c.data) {
			benchTaken++
		}
	}
	if benchTaken != bench {
		t.Errorf("fastParse took %d of the %d parts of the benchmark input", benchTaken, bench)
	}
}

// FuzzFastParse: whatever part fastParse takes, yaml.v3 parses to the same tree.
func FuzzFastParse(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, part []byte) {
		checkFast(t, "fuzz", part)
	})
}
