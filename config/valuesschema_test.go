package config

import (
	"reflect"
	"time"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// ValuesSchema (test code: nothing shipped needs it) is the JSON schema of the chart's `config` values, generated
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
