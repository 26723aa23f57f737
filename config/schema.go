package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// ValuesSchema is the JSON schema of the chart's `config` values, generated
// from GuardrailConfig: every key but the chart:"-" ones, every rule and
// mutator by ID with its flag and its typed parameters, descriptions from
// the desc tags. values.schema.json holds it under properties.config
// (TestValuesSchemaIsGenerated keeps it current).
func ValuesSchema() map[string]any {
	s := schemaOf(reflect.TypeFor[GuardrailConfig](), "")
	s["description"] = "The GuardrailConfig (see `istio-guardrail config default`)."
	return s
}

func schemaOf(t reflect.Type, tag reflect.StructTag) map[string]any {
	s := map[string]any{}
	if d := tag.Get("desc"); d != "" {
		s["description"] = d
	}
	switch {
	case t == reflect.TypeFor[Rules]():
		return section(s, ruleEntries())
	case t == reflect.TypeFor[Mutators]():
		return section(s, mutatorEntries())
	case t == reflect.TypeFor[policy.Action]():
		s["type"], s["enum"] = "string", []policy.Action{policy.ActionDeny, policy.ActionWarn, policy.ActionAudit, policy.ActionOff}
		return s
	case t == reflect.TypeFor[time.Duration]():
		s["type"], s["pattern"] = "string", `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
		return s
	case tag.Get("type") == string(policy.ParamQuantity):
		s["type"] = []string{"string", "number"}
		return s
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		for _, k := range keyTags(t) {
			if k.tag.Get("chart") != "-" {
				ft, ftag := structField(t, k.name)
				props[k.name] = schemaOf(ft, ftag)
			}
		}
		s["type"], s["additionalProperties"], s["properties"] = "object", false, props
	case reflect.Slice:
		items := schemaOf(t.Elem(), "")
		switch tag.Get("items") {
		case "name": // a namespace name or glob
			items["minLength"] = 1
		case "rule":
			var ids []string
			for _, e := range ruleEntries() {
				ids = append(ids, e.id)
			}
			items["enum"] = ids
		}
		s["type"], s["items"] = "array", items
		if tag.Get("nullable") == "true" {
			s["type"] = []string{"array", "null"}
		}
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Int:
		s["type"] = "integer"
	case reflect.Float64:
		s["type"] = "number"
	case reflect.String:
		s["type"] = "string"
		if p := tag.Get("pattern"); p != "" {
			s["pattern"] = p
		}
	}
	return s
}

// section is the schema of a rules or mutators section: one optional
// property per ID, as sectionType decodes it.
func section(s map[string]any, entries []entry) map[string]any {
	props := map[string]any{}
	for _, e := range entries {
		entry := map[string]any{e.flagKey: schemaOf(e.flagType, "")}
		if e.params != nil {
			entry["params"] = schemaOf(reflect.TypeOf(e.params.New()), "")
		}
		props[e.id] = map[string]any{"type": "object", "additionalProperties": false,
			"description": e.id + " " + e.title + ".", "properties": entry}
	}
	s["type"], s["additionalProperties"], s["properties"] = "object", false, props
	return s
}

// SpliceValuesSchema returns the chart's values.schema.json with its
// properties.config replaced by ValuesSchema, everything else as it was.
func SpliceValuesSchema(file []byte) ([]byte, error) {
	start, end, indent, err := configRange(file)
	if err != nil {
		return nil, err
	}
	generated, err := json.MarshalIndent(ValuesSchema(), indent, "  ")
	if err != nil {
		return nil, err
	}
	return append(append(append([]byte{}, file[:start]...), generated...), file[end:]...), nil
}

// configRange finds the bytes of the value of properties.config.
func configRange(file []byte) (start, end int, indent string, err error) {
	dec := json.NewDecoder(bytes.NewReader(file))
	if _, err := dec.Token(); err != nil { // {
		return 0, 0, "", err
	}
	for depth, want := 0, "properties"; dec.More(); {
		key, err := dec.Token()
		if err != nil {
			return 0, 0, "", err
		}
		if key != want {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, 0, "", err
			}
			continue
		}
		if depth == 0 {
			if _, err := dec.Token(); err != nil { // the properties object
				return 0, 0, "", err
			}
			depth, want = 1, "config"
			continue
		}
		start = int(dec.InputOffset())
		start += bytes.IndexByte(file[start:], '{')
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, "", err
		}
		line := file[bytes.LastIndexByte(file[:start], '\n')+1 : start]
		return start, start + len(raw), strings.Repeat(" ", len(line)-len(bytes.TrimLeft(line, " "))), nil
	}
	return 0, 0, "", errors.New("values.schema.json has no properties.config")
}
