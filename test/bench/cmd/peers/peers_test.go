package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// splitDocs parses a generated corpus into its documents.
func splitDocs(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range strings.Split(string(b), "---\n")[1:] {
		var obj map[string]any
		if err := yaml.UnmarshalStrict([]byte(d), &obj); err != nil {
			t.Fatalf("document does not parse: %v\n%s", err, d)
		}
		out = append(out, obj)
	}
	return out
}

// TestFourKindCorpus checks the count, the kinds in equal shares, unique
// names and the 7-in-10 hardened share of the four-kind corpus.
func TestFourKindCorpus(t *testing.T) {
	const n = 400
	var buf bytes.Buffer
	size, err := writeFourKind(&buf, n)
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(buf.Len()) {
		t.Errorf("reported %d bytes, wrote %d", size, buf.Len())
	}
	docs := splitDocs(t, buf.Bytes())
	if len(docs) != n {
		t.Fatalf("%d documents, want %d", len(docs), n)
	}
	kinds := map[string]int{}
	names := map[string]bool{}
	for i, d := range docs {
		kind, _ := d["kind"].(string)
		kinds[kind]++
		meta, _ := d["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		name, _ := meta["name"].(string)
		if kind == "" || ns == "" || name == "" {
			t.Fatalf("document %d has no kind, namespace or name: %v", i, d)
		}
		key := kind + "/" + ns + "/" + name
		if names[key] {
			t.Errorf("document %d: %s is not unique", i, key)
		}
		names[key] = true
		if got := fourKindAt(i).kind; got != kind {
			t.Errorf("document %d is a %s, fourKindAt says %s", i, kind, got)
		}
	}
	for _, k := range []string{"PeerAuthentication", "DestinationRule", "AuthorizationPolicy", "Gateway"} {
		if kinds[k] != n/4 {
			t.Errorf("%d %ss, want %d", kinds[k], k, n/4)
		}
	}
	hardened := 0
	for i := range n {
		if fourKindAt(i).hardened {
			hardened++
		}
	}
	if hardened != n*7/10 {
		t.Errorf("%d hardened documents, want %d", hardened, n*7/10)
	}
}

// TestMixedCorpus checks the mixed corpus writes n documents too.
func TestMixedCorpus(t *testing.T) {
	var buf bytes.Buffer
	if _, err := corpora["mixed"].write(&buf, 150); err != nil {
		t.Fatal(err)
	}
	if got := len(splitDocs(t, buf.Bytes())); got != 150 {
		t.Errorf("%d documents, want 150", got)
	}
}

// TestParseIstioctlJSON reads a captured `istioctl analyze --use-kube=false
// -A -o json` of two small corpora (testdata/istioctl-analyze.json): five
// IST0109 errors and one IST0133 warning.
func TestParseIstioctlJSON(t *testing.T) {
	f, err := os.Open("testdata/istioctl-analyze.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := parseIstioctlJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.total != 6 || c.by["Error"] != 5 || c.by["Warning"] != 1 {
		t.Errorf("got %s, want 6 (Error 5, Warning 1)", c)
	}
	// No messages: istioctl prints [] (and its check mark on stderr).
	if c, err := parseIstioctlJSON(strings.NewReader("[]\n")); err != nil || c.total != 0 {
		t.Errorf("[]: got %v, %v", c, err)
	}
	for _, bad := range []string{"", "✔ No validation issues found", `[{"message":"x"}]`} {
		if _, err := parseIstioctlJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestParseCheckJSON reads a captured `check -o json` of the first 40
// documents of the four-kind corpus (testdata/check.json): 13 denials.
func TestParseCheckJSON(t *testing.T) {
	f, err := os.Open("testdata/check.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := parseCheckJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.total != 13 || c.by["deny"] != 13 {
		t.Errorf("got %s, want 13 (deny 13)", c)
	}
	if _, err := parseCheckJSON(strings.NewReader(`{"summary":{}}`)); err == nil {
		t.Error("output without a findings array: want an error")
	}
}

func TestParseKyvernoSummary(t *testing.T) {
	out := "Applying 2 policy rule(s) to 40 resource(s)...\n\npolicy bench-x -> resource team-1/PeerAuthentication/pa-1 failed:\n1. rule: mode must be STRICT\n\npass: 7, fail: 3, warn: 1, error: 0, skip: 30\n"
	c, err := parseKyvernoSummary(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if c.total != 4 || c.by["pass"] != 7 || c.by["skip"] != 30 {
		t.Errorf("got %s, want 4 (fail 3 + warn 1), pass 7, skip 30", c)
	}
	if _, err := parseKyvernoSummary(strings.NewReader("Error: no policies\n")); err == nil {
		t.Error("no summary line: want an error")
	}
}

// TestTableTimedOut checks a timed-out run is reported as such, without a
// rate or a ratio, and that ratios pair the rounds.
func TestTableTimedOut(t *testing.T) {
	sr := sizeRows{objects: 1000, cells: []cell{
		{runs: []run{{cpu: time.Second, wall: time.Second}, {cpu: 2 * time.Second, wall: time.Second}}},
		{runs: []run{{cpu: 10 * time.Second, wall: time.Second}, {cpu: 30 * time.Second, wall: time.Second}}},
		{runs: []run{{cpu: 5 * time.Second, wall: time.Minute, timedOut: true}}},
	}}
	if got := cellColumns(sr, 1); !strings.Contains(got, "**15.0×** (10.0–15.0 over 2)") || !strings.Contains(got, "| 33 |") {
		t.Errorf("istioctl columns: %s", got)
	}
	if got := cellColumns(sr, 2); !strings.Contains(got, "timed out after 1m0s") {
		t.Errorf("timed-out columns: %s", got)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-sizes", "1000,10000", "-rounds", "2"})
	if err != nil || len(o.rounds) != 2 || o.rounds[1] != 2 {
		t.Errorf("one rounds value for two sizes: %v, %v", o.rounds, err)
	}
	if _, err := parseFlags([]string{"-sizes", "1,2,3", "-rounds", "1,2"}); err == nil {
		t.Error("two rounds values for three sizes: want an error")
	}
	if _, err := parseFlags([]string{"-corpora", "nope"}); err == nil {
		t.Error("unknown corpus: want an error")
	}
}

// TestSplitCorpus: a corpus split into a directory holds every object once,
// in files of at most the given count, in order.
func TestSplitCorpus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "four-kind-25.yaml")
	whole, err := os.ReadFile(writeTemp(t, path, 25))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := splitCorpus(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var joined []byte
	var counts []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(splitDocs(t, b)))
		joined = append(joined, b...)
	}
	if !slices.Equal(counts, []int{10, 10, 5}) || !bytes.Equal(joined, whole) {
		t.Errorf("split into %v objects per file; joined equals the corpus: %v", counts, bytes.Equal(joined, whole))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the corpus file is still there: %v", err)
	}
}

func writeTemp(t *testing.T, path string, n int) string {
	t.Helper()
	if _, err := writeCorpusFile(corpora["four-kind"], n, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := path + ".whole"
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return copyPath
}

// TestToolsBeforeAndProcs: -before and -procs add one check run per binary
// and GOMAXPROCS value, the current binary first (the ratios' reference).
func TestToolsBeforeAndProcs(t *testing.T) {
	ts, err := tools(options{guardrail: "new", before: "old", procs: []int{1, 2}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tl := range ts {
		got = append(got, tl.bin+" "+strings.Join(tl.env, ","))
	}
	want := []string{"new GOMAXPROCS=1", "new GOMAXPROCS=2", "old GOMAXPROCS=1", "old GOMAXPROCS=2"}
	if !slices.Equal(got, want) {
		t.Errorf("tools %q, want %q", got, want)
	}
}
