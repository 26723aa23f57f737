package bench

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// corpusMix is the share of each kind in a generated corpus, by fixture
// name: mostly workloads and traffic rules, as in a GitOps repository.
var corpusMix = []struct {
	fixture string
	weight  int
}{
	{"deployment", 20},
	{"service", 15},
	{"virtualservice", 15},
	{"destinationrule", 15},
	{"authorizationpolicy", 10},
	{"peerauthentication", 5},
	{"sidecar", 5},
	{"gateway", 5},
	{"namespace", 5},
	{"pod", 5},
}

// WriteCorpus writes n YAML documents to w, cycling through the kinds in
// corpusMix in proportion to their weights; each object gets a unique name.
// It returns the number of bytes written.
func WriteCorpus(w io.Writer, n int) (int64, error) {
	docs, err := corpusDocs()
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := &countingWriter{w: bw}
	for i := range n {
		d := docs[i%len(docs)]
		if _, err := fmt.Fprintf(cw, "---\n"+d.template, i); err != nil {
			return cw.n, fmt.Errorf("write corpus: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("write corpus: %w", err)
	}
	return cw.n, nil
}

// corpusDoc is one fixture re-rendered as YAML with "%d" in its name.
type corpusDoc struct{ template string }

// corpusDocs expands corpusMix into a cycle of 100 document templates.
func corpusDocs() ([]corpusDoc, error) {
	var out []corpusDoc
	for _, m := range corpusMix {
		f, err := FixtureByName(m.fixture)
		if err != nil {
			return nil, err
		}
		t, err := nameTemplate(f)
		if err != nil {
			return nil, err
		}
		for range m.weight {
			out = append(out, corpusDoc{template: t})
		}
	}
	// Interleave kinds so any prefix of the corpus has the same mix.
	inter := make([]corpusDoc, 0, len(out))
	for stride := range 20 {
		for i := stride; i < len(out); i += 20 {
			inter = append(inter, out[i])
		}
	}
	return inter, nil
}

// nameTemplate renders f as YAML whose metadata.name ends in "-%d".
func nameTemplate(f Fixture) (string, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(f.Object, &obj); err != nil {
		return "", fmt.Errorf("fixture %s: %w", f.Name, err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		return "", fmt.Errorf("fixture %s has no metadata", f.Name)
	}
	base := f.ObjectName
	if base == "" {
		base, _ = meta["generateName"].(string)
		delete(meta, "generateName")
	}
	delete(meta, "managedFields")
	meta["name"] = "NAME_PLACEHOLDER"
	out, err := yaml.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("fixture %s: %w", f.Name, err)
	}
	t := strings.ReplaceAll(string(out), "%", "%%")
	return strings.Replace(t, "NAME_PLACEHOLDER", strings.TrimSuffix(base, "-")+"-%d", 1), nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
