package config

import (
	"bytes"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// DefaultYAML renders the built-in defaults as a commented GuardrailConfig
// (`istio-guardrail config default`): every rule and mutator with its default
// action and parameters, encoded from the types, each key commented with its
// desc tag (or the rule's title and the parameter's description). Parsing it
// yields Default().
func DefaultYAML() []byte {
	var n yaml.Node
	if err := n.Encode(defaultFull()); err != nil {
		panic("config: encode the defaults: " + err.Error()) // the types are fixed: a test catches it
	}
	comment(&n, reflect.TypeFor[GuardrailConfig]())
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{&n},
		HeadComment: "istio-guardrail GuardrailConfig: the built-in defaults.\n" +
			"Every key is optional; omitted rules keep the action and parameters shown here."}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic("config: marshal the defaults: " + err.Error())
	}
	return b.Bytes()
}

// defaultFull is the defaults with every rule, mutator and parameter spelt out.
func defaultFull() *GuardrailConfig {
	g := defaultDocument()
	g.APIVersion, g.Kind = APIVersion, Kind
	g.IstioVersion = policy.DefaultIstioVersion.String()
	g.Rules, g.Mutators = Rules{}, Mutators{}
	for _, r := range policy.Catalogue() {
		g.Rules[r.ID] = RuleConfig{Action: r.DefaultAction, Params: newParams(r.Params)}
	}
	for _, m := range policy.Mutators() {
		g.Mutators[m.ID] = MutatorConfig{Enabled: &m.DefaultEnabled, Params: newParams(m.Params)}
	}
	return g
}

func newParams(s policy.ParamSet) policy.Params {
	if s == nil {
		return nil
	}
	return s.New()
}

// comment adds the desc tags of t's fields to the keys of mapping n; keys an
// entry omits but documents with an example tag are shown commented out
// (before the next key: such keys are never last).
func comment(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.SequenceNode {
		width := 0
		{
			for _, c := range n.Content {
				width += len(c.Value) + 2
			}
			if width < 80 {
				n.Style = yaml.FlowStyle
			}
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	titles := map[string]string{}
	for _, e := range append(ruleEntries(), mutatorEntries()...) {
		titles[e.id] = e.id + " " + e.title + "."
	}
	var pending []string // commented-out keys, for the next key written
	written := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		written[n.Content[i].Value] = true
	}
	keys := keyTags(t)
	next := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for ; next < len(keys) && keys[next].name != k.Value; next++ {
			if kt := keys[next]; !written[kt.name] && kt.tag.Get("example") != "" {
				pending = append(pending, wrap(kt.tag.Get("desc")), kt.name+": "+kt.tag.Get("example"), "")
			}
		}
		ft, tag := structField(t, k.Value)
		text := tag.Get("desc")
		if text == "" {
			text = titles[k.Value]
		}
		k.HeadComment = strings.Join(append(pending, wrap(text)), "\n")
		pending = nil
		if ft != nil {
			comment(v, ft)
		}
	}
}

type keyTag struct {
	name string
	tag  reflect.StructTag
}

// keyTags lists the keys of struct t with their tags, inline structs expanded.
func keyTags(t reflect.Type) []keyTag {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []keyTag
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			out = append(out, keyTags(f.Type)...)
		} else if name != "-" {
			out = append(out, keyTag{name, f.Tag})
		}
	}
	return out
}

// wrap breaks text into comment lines of at most 100 characters.
func wrap(text string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 100 {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}
