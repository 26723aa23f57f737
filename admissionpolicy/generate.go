package admissionpolicy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Options names and places the generated objects.
type Options struct {
	// Name prefixes every object ("istio-guardrail": policy istio-guardrail-igr101).
	Name string
	// Namespace holds the params ConfigMap.
	Namespace string
	// ExcludeNamespaces are never matched, like the webhook's own exclusions
	// (kube-system, kube-node-lease, the guardrail's namespace).
	ExcludeNamespaces []string
}

// Skip is a rule that gets no policy, and why.
type Skip struct {
	Rule   string
	Reason string
}

// Output is what Generate builds.
type Output struct {
	Policies []*admissionregistrationv1.ValidatingAdmissionPolicy
	Bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	Params   *corev1.ConfigMap
	// Skipped lists, in ID order, every validation rule without a policy.
	Skipped []Skip
}

// Params ConfigMap keys shared by every policy.
const (
	// keyExemptNamespaces is the regex of exemptions.namespaces globs.
	keyExemptNamespaces = "exemptNamespaces"
	// keyAnnotationNamespaces is the regex of exemptions.annotationNamespaces
	// (absent: annotations are honoured in every namespace).
	keyAnnotationNamespaces = "annotationNamespaces"
	// suffixExemptable, after the rule ID, is "true" when objects may exempt
	// themselves from the rule with the exemption annotations.
	suffixExemptable = "exemptable"
)

// ParamsName is the name of the params ConfigMap for prefix name.
func ParamsName(name string) string { return name + "-vap-params" }

// Generate builds the policies, bindings and params of every rule with a CEL
// form that s does not switch off.
func Generate(s policy.Settings, o Options) (*Output, error) {
	if o.Name == "" || o.Namespace == "" {
		return nil, fmt.Errorf("admission policies need a name prefix and a namespace")
	}
	eng, err := policy.NewEngine(s)
	if err != nil {
		return nil, err
	}
	forms := policy.CELForms()
	gaps := policy.CELGaps()
	out := &Output{Params: &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ParamsName(o.Name), Namespace: o.Namespace},
		Data:       map[string]string{},
	}}
	literal, globs := splitGlobs(s.ExemptNamespaces)
	if len(globs) > 0 {
		re, err := globsRegex(globs)
		if err != nil {
			return nil, fmt.Errorf("exemptions.namespaces: %w", err)
		}
		out.Params.Data[keyExemptNamespaces] = re
	}
	annotationsNowhere := s.ExemptAnnotationNamespaces != nil && len(s.ExemptAnnotationNamespaces) == 0
	if len(s.ExemptAnnotationNamespaces) > 0 {
		re, err := globsRegex(s.ExemptAnnotationNamespaces)
		if err != nil {
			return nil, fmt.Errorf("exemptions.annotationNamespaces: %w", err)
		}
		out.Params.Data[keyAnnotationNamespaces] = re
	}
	excluded := append(append([]string{}, o.ExcludeNamespaces...), literal...)
	sort.Strings(excluded)
	excluded = uniq(excluded)
	for _, r := range policy.Catalogue() {
		form, ok := forms[r.ID]
		if !ok {
			reason := gaps[r.ID]
			if reason == "" { // TestEveryRuleHasAFormOrAReason keeps this from shipping
				reason = "not written in CEL"
			}
			out.Skipped = append(out.Skipped, Skip{Rule: r.ID, Reason: "no exact CEL form: " + reason})
			continue
		}
		action := eng.Action(r.ID)
		if action == policy.ActionOff {
			out.Skipped = append(out.Skipped, Skip{Rule: r.ID, Reason: "off in the configuration"})
			continue
		}
		params, _ := eng.Params(r.ID)
		for _, spec := range policy.ParamSpecs(params) {
			v, err := formatParam(spec.Default)
			if err != nil {
				return nil, fmt.Errorf("rule %s parameter %s: %w", r.ID, spec.Name, err)
			}
			out.Params.Data[policy.CELParamKey(r.ID, spec.Name)] = v
		}
		exemptable := !annotationsNowhere && (s.ExemptableRules == nil || contains(s.ExemptableRules, r.ID))
		out.Params.Data[policy.CELParamKey(r.ID, suffixExemptable)] = strconv.FormatBool(exemptable)
		for _, p := range Policies(r, form) {
			out.Policies = append(out.Policies, p.policy(o.Name))
			out.Bindings = append(out.Bindings, p.binding(o, action, excluded))
		}
	}
	return out, nil
}

// splitGlobs separates literal names from path.Match globs.
func splitGlobs(patterns []string) (literal, globs []string) {
	for _, p := range patterns {
		if isGlob(p) {
			globs = append(globs, p)
		} else {
			literal = append(literal, p)
		}
	}
	return literal, globs
}

// formatParam renders a parameter as the string its CEL form compares.
func formatParam(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case time.Duration:
		return x.String(), nil
	default:
		return "", fmt.Errorf("type %T has no params form", v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func uniq(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// validationActions maps an engine action to the binding's actions.
func validationActions(a policy.Action) []admissionregistrationv1.ValidationAction {
	switch a {
	case policy.ActionDeny:
		return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}
	case policy.ActionWarn:
		return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
	default:
		return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Audit}
	}
}

// weaker returns the weaker of a and warn (an advisory finding's action).
func advisoryAction(a policy.Action) policy.Action {
	if a.AtLeast(policy.ActionWarn) {
		return policy.ActionWarn
	}
	return a
}

// lowerID is the rule ID as it appears in object names ("igr101").
func lowerID(id string) string { return strings.ToLower(id) }
