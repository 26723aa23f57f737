package policy

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// ParamType is the type of a rule or mutator parameter as the docs name it.
type ParamType string

// Parameter types, by the Go type of the parameter struct's field.
const (
	ParamInt      ParamType = "int"      // int
	ParamFloat    ParamType = "float"    // float64
	ParamBool     ParamType = "bool"     // bool
	ParamString   ParamType = "string"   // string
	ParamStrings  ParamType = "strings"  // []string
	ParamDuration ParamType = "duration" // time.Duration, written "10s"
	ParamQuantity ParamType = "quantity" // string tagged `type:"quantity"`, a resource.Quantity such as "100m"
)

// Params is what a rule's Check or a mutator's Apply receives: nil when it
// declares no parameters, else a pointer to its parameter struct holding the
// defaults overridden by the configuration.
type Params any

// ParamSet declares the parameters of a rule or mutator: a struct type whose
// exported fields are the parameters, each tagged with its name
// (`yaml:"name"`) and a description (`desc:"..."`), with the defaults as its
// value. Structs embedded with `yaml:",inline"` share parameters between
// rules. Package config decodes rules.<ID>.params strictly into a New() value.
type ParamSet interface {
	// New returns a pointer to a new parameter struct holding the defaults.
	New() Params
}

type paramSet[P any] struct{ defaults P }

// ParamsOf declares parameter struct P with its defaults.
func ParamsOf[P any](defaults P) ParamSet { return paramSet[P]{defaults} }

func (s paramSet[P]) New() Params {
	p := s.defaults
	cloneSlices(reflect.ValueOf(&p).Elem())
	return &p
}

// checkWith adapts a check of typed parameters into Rule.Check. The engine
// hands every rule a value of the type its ParamSet declares (NewEngine
// rejects any other), and TestParamsMatchTheirRules calls every rule and
// mutator with its defaults, so the assertion cannot fail at admission.
func checkWith[P any](check func(ctx *Context, obj *Object, p *P) []Violation) func(*Context, *Object, Params) []Violation {
	return func(ctx *Context, obj *Object, p Params) []Violation { return check(ctx, obj, p.(*P)) }
}

// applyWith adapts Mutator.Apply the way checkWith adapts Rule.Check.
func applyWith[P any](apply func(ctx *Context, obj *Object, p *P) (bool, error)) func(*Context, *Object, Params) (bool, error) {
	return func(ctx *Context, obj *Object, p Params) (bool, error) { return apply(ctx, obj, p.(*P)) }
}

// notesWith adapts Mutator.Notes the way checkWith adapts Rule.Check.
func notesWith[P any](notes func(ctx *Context, obj *Object, p *P) []string) func(*Context, *Object, Params) []string {
	return func(ctx *Context, obj *Object, p Params) []string { return notes(ctx, obj, p.(*P)) }
}

// validateWith adapts Mutator.Validate the way checkWith adapts Rule.Check.
func validateWith[P any](validate func(p *P) error) func(Params) error {
	return func(p Params) error { return validate(p.(*P)) }
}

// effectiveParams returns the parameters owner runs with: the defaults of
// set, or over when the settings give them (of set's type: package config
// decodes them over the defaults).
func effectiveParams(owner string, set ParamSet, over Params) (Params, error) {
	if set == nil {
		if over != nil {
			return nil, fmt.Errorf("%s has no parameters, got %T", owner, over)
		}
		return nil, nil
	}
	def := set.New()
	if over == nil {
		return def, nil
	}
	if reflect.TypeOf(over) != reflect.TypeOf(def) {
		return nil, fmt.Errorf("%s: parameters must be %T, got %T", owner, def, over)
	}
	if reflect.ValueOf(over).IsNil() {
		return def, nil
	}
	return over, nil
}

// ParamSpec describes one parameter, read from its parameter struct.
type ParamSpec struct {
	Name        string
	Type        ParamType
	Default     any // the field's value: the default, read from ParamSet.New()
	Description string
}

// ParamSpecs describes the parameters of p (nil: none), in declaration order,
// each with its value in p.
func ParamSpecs(p Params) []ParamSpec {
	if p == nil {
		return nil
	}
	var out []ParamSpec
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if opts == "inline" {
				walk(v.Field(i))
				continue
			}
			out = append(out, ParamSpec{Name: name, Type: paramType(f), Default: v.Field(i).Interface(), Description: f.Tag.Get("desc")})
		}
	}
	walk(reflect.ValueOf(p).Elem())
	return out
}

// ParamSpecs describes the rule's parameters with their defaults.
func (r *Rule) ParamSpecs() []ParamSpec { return specsOf(r.Params) }

// ParamSpecs describes the mutator's parameters with their defaults.
func (m *Mutator) ParamSpecs() []ParamSpec { return specsOf(m.Params) }

func specsOf(s ParamSet) []ParamSpec {
	if s == nil {
		return nil
	}
	return ParamSpecs(s.New())
}

func paramType(f reflect.StructField) ParamType {
	switch {
	case f.Type == reflect.TypeFor[time.Duration]():
		return ParamDuration
	case f.Type == reflect.TypeFor[[]string]():
		return ParamStrings
	case f.Tag.Get("type") == string(ParamQuantity):
		return ParamQuantity
	}
	switch f.Type.Kind() {
	case reflect.Int:
		return ParamInt
	case reflect.Float64:
		return ParamFloat
	case reflect.Bool:
		return ParamBool
	case reflect.String:
		return ParamString
	}
	panic(fmt.Sprintf("policy: parameter %s has unsupported type %s", f.Name, f.Type)) // caught by the registry tests
}

// cloneSlices gives every slice field of struct v its own backing array, so
// no caller can change a rule's defaults through a value it was handed.
func cloneSlices(v reflect.Value) {
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Struct:
			cloneSlices(f)
		case reflect.Slice:
			if !f.IsNil() {
				f.Set(reflect.AppendSlice(reflect.MakeSlice(f.Type(), 0, f.Len()), f))
			}
		}
	}
}

// cloneParams returns a copy of p that shares nothing with it.
func cloneParams(p Params) Params {
	if p == nil {
		return nil
	}
	v := reflect.New(reflect.TypeOf(p).Elem())
	v.Elem().Set(reflect.ValueOf(p).Elem())
	cloneSlices(v.Elem())
	return v.Interface()
}
