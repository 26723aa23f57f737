package policy

import (
	"fmt"
	"sort"
	"time"
)

// ParamType is the type of a rule or mutator parameter.
type ParamType string

// Parameter types. The config package parses YAML values into the Go type named
// in each comment; Params getters return that type.
const (
	ParamInt      ParamType = "int"      // int
	ParamFloat    ParamType = "float"    // float64
	ParamBool     ParamType = "bool"     // bool
	ParamString   ParamType = "string"   // string
	ParamStrings  ParamType = "strings"  // []string
	ParamDuration ParamType = "duration" // time.Duration, written "10s"
	ParamQuantity ParamType = "quantity" // string holding a valid resource.Quantity, e.g. "100m"
)

// ParamSpec declares one parameter of a rule or mutator.
type ParamSpec struct {
	Name        string
	Type        ParamType
	Default     any // of the Go type of Type
	Description string
}

// Params holds parameter values by name, typed as ParamType says. Getters
// panic on a name the rule did not declare: that is a programming error caught
// by the registry tests, never a user error (config validates user input).
type Params map[string]any

func (p Params) get(name string) any {
	v, ok := p[name]
	if !ok {
		panic(fmt.Sprintf("policy: undeclared parameter %q", name))
	}
	return v
}

// Int returns an int parameter.
func (p Params) Int(name string) int { return p.get(name).(int) }

// Float returns a float parameter.
func (p Params) Float(name string) float64 { return p.get(name).(float64) }

// Bool returns a bool parameter.
func (p Params) Bool(name string) bool { return p.get(name).(bool) }

// String returns a string or quantity parameter.
func (p Params) String(name string) string { return p.get(name).(string) }

// Strings returns a string-list parameter.
func (p Params) Strings(name string) []string { return p.get(name).([]string) }

// Duration returns a duration parameter.
func (p Params) Duration(name string) time.Duration { return p.get(name).(time.Duration) }

// defaults returns the declared defaults of specs.
func defaults(specs []ParamSpec) Params {
	p := make(Params, len(specs))
	for _, s := range specs {
		p[s.Name] = s.Default
	}
	return p
}

// merge returns the defaults of specs overridden by the values in over, after
// checking each override is declared and of the declared Go type.
func merge(owner string, specs []ParamSpec, over Params) (Params, error) {
	p := defaults(specs)
	names := make([]string, 0, len(over))
	for k := range over {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		d, ok := p[k]
		if !ok {
			return nil, fmt.Errorf("%s: unknown parameter %q", owner, k)
		}
		if fmt.Sprintf("%T", d) != fmt.Sprintf("%T", over[k]) {
			return nil, fmt.Errorf("%s: parameter %q must be %T, got %T", owner, k, d, over[k])
		}
		p[k] = over[k]
	}
	return p, nil
}
