package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDocumentsStopsEarly(t *testing.T) {
	in := strings.Repeat(peerAuth+"---\n", 5)
	n := 0
	for d, err := range Documents("in.yaml", []byte(in), Options{}) {
		if err != nil || d == nil {
			t.Fatalf("unexpected error %v", err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("consumed %d documents, want 2", n)
	}
}

func TestDocumentsMatchesParse(t *testing.T) {
	in := peerAuth + "---\nfoo: [\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n"
	docs, errs := Parse("in.yaml", []byte(in), Options{})
	var lines []int
	nerr := 0
	for d, err := range Documents("in.yaml", []byte(in), Options{}) {
		if err != nil {
			nerr++
			continue
		}
		lines = append(lines, d.Line)
	}
	if len(lines) != len(docs) || nerr != len(errs) || lines[0] != docs[0].Line || lines[1] != docs[1].Line {
		t.Fatalf("Documents yielded lines %v and %d errors; Parse %d documents and %d errors", lines, nerr, len(docs), len(errs))
	}
}

func TestNamespaceLabels(t *testing.T) {
	in := strings.Join([]string{
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: pay, labels: {istio.io/rev: canary}}\n",
		peerAuth,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: [broken\n",
	}, "---\n")
	var c Context
	if err := c.Read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	got := c.Namespaces
	tests := []struct {
		desc, ns, key, want string
	}{
		{"top-level Namespace", "shop", "istio-injection", "enabled"},
		{"Namespace inside a List", "pay", "istio.io/rev", "canary"},
	}
	for _, tc := range tests {
		if got[tc.ns][tc.key] != tc.want {
			t.Errorf("%s: labels of %s = %v", tc.desc, tc.ns, got[tc.ns])
		}
	}
	if len(got) != 2 {
		t.Errorf("want 2 namespaces, got %v", got)
	}
}

// streamInputs are inputs whose parts stress the splitter: errors, Lists,
// comments only, CRLF, no final newline, a line longer than the read buffer.
var streamInputs = map[string]string{
	"mixed":      peerAuth + "---\nfoo: [\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- 3\n",
	"empty":      "",
	"comments":   "# nothing\n---\n# still nothing\n",
	"crlf":       strings.ReplaceAll(peerAuth+"---\n"+peerAuth, "\n", "\r\n"),
	"no newline": "---\n" + peerAuth + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
	"long line":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: " + strings.Repeat("x", 200<<10) + "}\n---\n" + peerAuth,
	"separators": "--- # a comment on the marker\n" + peerAuth + "----\n---\t\n---\n",
}

// outcome renders what a decoder yielded, for comparison.
func outcome(d *Document, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%s:%d %s %s", d.File, d.Line, d.Object.Ref(), d.Raw)
}

// TestStreamMatchesDocuments: Stream and Map, reading a part at a time on
// any number of workers, yield exactly what Documents yields on the whole
// input, and each document's Part is its bytes of the input, which
// Redecode decodes to the same document again.
func TestStreamMatchesDocuments(t *testing.T) {
	for name, in := range streamInputs {
		t.Run(name, func(t *testing.T) {
			var want []string
			for d, err := range Documents("in.yaml", []byte(in), Options{}) {
				want = append(want, outcome(d, err))
				if err != nil {
					continue
				}
				p := d.Part
				if p.Len != len(p.Text) || string(p.Text) != in[p.Offset:p.Offset+int64(p.Len)] {
					t.Errorf("%s: Part %+v is not the input's bytes at its offset", outcome(d, nil), p)
				}
				again := 0
				for r, err := range Redecode("in.yaml", p, Options{}) {
					if err == nil && r.Line == d.Line && outcome(r, nil) == outcome(d, nil) {
						again++
					}
				}
				if again != 1 {
					t.Errorf("Redecode of %s's part found it %d times", outcome(d, nil), again)
				}
			}
			var got []string
			for d, err := range Stream("in.yaml", iotest.HalfReader(strings.NewReader(in)), Options{}) {
				got = append(got, outcome(d, err))
			}
			if !slices.Equal(got, want) {
				t.Errorf("Stream yielded\n%q\nDocuments\n%q", got, want)
			}
			for _, workers := range []int{1, 2, 8} {
				got := slices.Collect(Map("in.yaml", strings.NewReader(in), Options{}, workers, outcome))
				if !slices.Equal(got, want) {
					t.Errorf("Map on %d workers yielded\n%q\nDocuments\n%q", workers, got, want)
				}
			}
		})
	}
}

// TestMapStopsEarly: a consumer that stops returns at once, on any number of
// workers, with every goroutine of Map finishing.
func TestMapStopsEarly(t *testing.T) {
	in := strings.Repeat(peerAuth+"---\n", 200)
	for _, workers := range []int{1, 4} {
		n := 0
		for range Map("in.yaml", strings.NewReader(in), Options{}, workers, outcome) {
			if n++; n == 3 {
				break
			}
		}
		if n != 3 {
			t.Errorf("%d workers: consumed %d results, want 3", workers, n)
		}
	}
}

// TestScanDocumentsLimit: a part above the limit ends the scan with an
// error instead of being buffered; the parts before it are handed out.
func TestScanDocumentsLimit(t *testing.T) {
	in := peerAuth + "---\n" + strings.Repeat("x: y\n", 100)
	var parts int
	err := scanDocuments(strings.NewReader(in), len(peerAuth)+50, func(chunk) bool { parts++; return true })
	if !errors.Is(err, errPartTooLarge) || parts != 1 {
		t.Fatalf("err %v after %d parts, want errPartTooLarge after 1", err, parts)
	}
	if err := scanDocuments(strings.NewReader(in), len(in), func(chunk) bool { parts++; return true }); err != nil || parts != 3 {
		t.Fatalf("within the limit: err %v, %d parts in all, want 3", err, parts)
	}
}
