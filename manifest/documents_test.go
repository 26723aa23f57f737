package manifest

import (
	"strings"
	"testing"
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
