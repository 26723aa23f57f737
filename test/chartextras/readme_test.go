package chartextras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// The values table of the chart README lies between these markers and is
// generated from values.yaml (helm-docs style): one row per leaf, its
// default as written, and the "# --" comment above it (or above its nearest
// commented parent).
const (
	tableBegin = "<!-- values table: generated from values.yaml by test/chartextras (UPDATE_GOLDEN=1 go test ./test/chartextras/) -->"
	tableEnd   = "<!-- end of the values table -->"
)

// valuesTable renders the table of a values.yaml.
func valuesTable(t *testing.T, data []byte) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| Key | Default | Description |\n|---|---|---|\n")
	var walk func(prefix string, n *yaml.Node, inherited string)
	walk = func(prefix string, n *yaml.Node, inherited string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			desc := description(k.HeadComment)
			if desc == "" {
				desc = inherited
			}
			if v.Kind == yaml.MappingNode && len(v.Content) > 0 {
				walk(path, v, desc)
				continue
			}
			if desc == "" {
				t.Errorf("values.yaml: %s has no \"# --\" comment, nor has a parent", path)
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", path, defaultOf(t, v), markdown(desc))
			if name, desc, ok := optionalKey(k.FootComment); ok {
				fmt.Fprintf(&b, "| `%s` | unset | %s |\n", prefixed(prefix, name), markdown(desc))
			}
		}
	}
	walk("", doc.Content[0], "")
	return b.String()
}

// optionalKey reads a key documented without a default, the comment
// "# -- (optional) NAME: description" after the last key of a mapping.
func optionalKey(comment string) (name, desc string, ok bool) {
	d := description(comment)
	rest, ok := strings.CutPrefix(d, "(optional) ")
	if !ok {
		return "", "", false
	}
	name, desc, ok = strings.Cut(rest, ": ")
	return name, desc, ok
}

func prefixed(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// placeholder matches <release>-style placeholders, which Markdown would
// take for HTML tags.
var placeholder = regexp.MustCompile(`<[a-z]+>`)

// markdown escapes a description for a table cell.
func markdown(s string) string {
	return placeholder.ReplaceAllStringFunc(strings.ReplaceAll(s, "|", `\|`), func(p string) string { return "`" + p + "`" })
}

// description is the "# --" part of a head comment, as one line.
func description(comment string) string {
	i := strings.Index(comment, "# --")
	if i < 0 {
		return ""
	}
	var words []string
	for _, l := range strings.Split(comment[i:], "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#"))
		l = strings.TrimSpace(strings.TrimPrefix(l, "--"))
		if l != "" {
			words = append(words, l)
		}
	}
	return strings.Join(words, " ")
}

// defaultOf renders a value as values.yaml writes it: scalars with their
// quotes, collections in flow style.
func defaultOf(t *testing.T, v *yaml.Node) string {
	t.Helper()
	switch {
	case v.Kind == yaml.ScalarNode && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		return `"` + v.Value + `"`
	case v.Kind == yaml.ScalarNode && v.Value == "" && v.Tag == "!!str":
		return `""`
	case v.Kind == yaml.ScalarNode:
		return v.Value
	}
	var x any
	if err := v.Decode(&x); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// TestREADMEValuesTableIsGenerated fails when the README's values table is
// not what values.yaml generates (UPDATE_GOLDEN=1 rewrites it).
func TestREADMEValuesTableIsGenerated(t *testing.T) {
	values, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(chart, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := bytes.Index(readme, []byte(tableBegin)), bytes.Index(readme, []byte(tableEnd))
	if begin < 0 || end < begin {
		t.Fatalf("README.md lacks the markers %q and %q", tableBegin, tableEnd)
	}
	want := tableBegin + "\n\n" + valuesTable(t, values) + "\n"
	got := string(readme[begin:end])
	if got == want {
		return
	}
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		out := append(append(append([]byte{}, readme[:begin]...), want...), readme[end:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the values table of %s is stale: run UPDATE_GOLDEN=1 go test ./test/chartextras/ and review the diff", path)
}
