package manifest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// yaml11Spellings are scalars whose meaning differs between YAML 1.1 (what
// kubectl, Helm and istioctl read through sigs.k8s.io/yaml) and YAML 1.2,
// or that are easy to get wrong: booleans, octal, underscores, bases,
// floats, timestamps, nulls, and their quoted forms.
var yaml11Spellings = []string{
	"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
	"y", "Y", "n", "N", "true", "True", "TRUE", "false", "False", "FALSE", "tRue", "yEs",
	"~", "null", "Null", "NULL", "nil", "None",
	"0", "-0", "+1", "0777", "0o17", "0x1F", "-0x1F", "0b101", "-0b101", "1_000", "1__0", "_1",
	"9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
	"1.5", ".5", "-.5", "+.5", "1.", "1e3", "1E3", "1.5e-3", "1_000.5", "6.8523e+5", "0.",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-13-45", "20011214",
	"30ms", "1h30m", "1.5s", "STRICT", "*", "-", "+", ".", "..", "0x", "0b", "1:20", "1,000", "v1",
	`"yes"`, `'on'`, `"0777"`, `"1.5"`, `"null"`, "!!str yes", "!!str 0777",
}

// canonical decodes JSON into a comparable value.
func canonical(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

// sameAsSigsYAML asserts that doc converts to the JSON sigs.k8s.io/yaml
// produces, or fails where it fails.
func sameAsSigsYAML(t *testing.T, doc string) {
	t.Helper()
	want, wantErr := sigsyaml.YAMLToJSON([]byte(doc))
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		if wantErr == nil {
			t.Errorf("%q: yaml.v3 cannot parse what sigs.k8s.io/yaml reads as %s: %v", doc, want, err)
		}
		return
	}
	got, err := toJSON(&root)
	switch {
	case wantErr != nil && err == nil:
		t.Errorf("%q: converted to %s, but sigs.k8s.io/yaml fails: %v", doc, got, wantErr)
	case wantErr == nil && err != nil:
		t.Errorf("%q: %v, but sigs.k8s.io/yaml reads %s", doc, err, want)
	case err == nil:
		if g, w := canonical(t, got), canonical(t, want); !reflect.DeepEqual(g, w) {
			t.Errorf("%q: converted to %s, sigs.k8s.io/yaml reads %s", doc, got, want)
		}
	}
}

func TestYAML11MatchesSigsYAML(t *testing.T) {
	for _, s := range yaml11Spellings {
		t.Run(s, func(t *testing.T) {
			sameAsSigsYAML(t, "v: "+s+"\n")
			sameAsSigsYAML(t, "l: ["+s+"]\n")
			if !strings.HasPrefix(s, "!!") && s != "~" && s != "null" && s != "Null" && s != "NULL" {
				sameAsSigsYAML(t, s+": v\n") // as a mapping key
			}
		})
	}
}

// TestParseResolvesYAML11Scalars: through Parse, the document JSON (what the
// typed decoders and the mutate preview read) has the YAML 1.1 values.
func TestParseResolvesYAML11Scalars(t *testing.T) {
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: 'on'}}\nx: {a: yes, b: off, c: 0777, d: 1_000, e: \"yes\"}\n"
	docs, errs := Parse("in.yaml", []byte(doc), Options{})
	if len(errs) > 0 || len(docs) != 1 {
		t.Fatalf("Parse: %v", errs)
	}
	var got struct {
		X map[string]any `json:"x"`
	}
	if err := json.Unmarshal(docs[0].Raw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": true, "b": false, "c": float64(511), "d": float64(1000), "e": "yes"}
	if !reflect.DeepEqual(got.X, want) {
		t.Errorf("x = %v, want %v", got.X, want)
	}
}

func FuzzYAML11Scalar(f *testing.F) {
	for _, s := range yaml11Spellings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "\n\r:#{}[],&*!|>'\"%@`\t") || strings.TrimSpace(s) != s {
			t.Skip() // keep to single plain scalars; structure is tested elsewhere
		}
		sameAsSigsYAML(t, "v: "+s+"\n")
	})
}
