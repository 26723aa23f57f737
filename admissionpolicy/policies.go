package admissionpolicy

import (
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Policy is one ValidatingAdmissionPolicy of a rule: its main findings, or
// its advisory ones (bound at no more than Warn).
type Policy struct {
	Rule     string
	Advisory bool
	Spec     admissionregistrationv1.ValidatingAdmissionPolicySpec
}

// Suffix is the policy's name after the prefix: "-igr101" or "-igr501-advisory".
func (p Policy) Suffix() string {
	s := "-" + lowerID(p.Rule)
	if p.Advisory {
		s += "-advisory"
	}
	return s
}

func (p Policy) policy(name string) *admissionregistrationv1.ValidatingAdmissionPolicy {
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name + p.Suffix(), Labels: map[string]string{LabelRule: p.Rule}},
		Spec:       *p.Spec.DeepCopy(),
	}
}

// LabelRule labels every generated object with its rule ID.
const LabelRule = "istio-guardrail.io/rule"

func (p Policy) binding(o Options, action policy.Action, excluded []string) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	if p.Advisory {
		action = advisoryAction(action)
	}
	deny := admissionregistrationv1.DenyAction
	b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + p.Suffix(), Labels: map[string]string{LabelRule: p.Rule}},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: o.Name + p.Suffix(),
			// A missing params ConfigMap denies: the backstop fails closed.
			ParamRef: &admissionregistrationv1.ParamRef{Name: ParamsName(o.Name), Namespace: o.Namespace,
				ParameterNotFoundAction: &deny},
			ValidationActions: validationActions(action),
		},
	}
	if len(excluded) > 0 {
		b.Spec.MatchResources = &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: excluded,
			}},
		}}
	}
	return b
}

// Policies returns the policies of rule r with CEL form f: one for its
// findings and, if it has advisory ones, one for those. They do not depend
// on the configuration.
func Policies(r *policy.Rule, f policy.CELForm) []Policy {
	var main, advisory []policy.CELCheck
	for _, c := range f.Checks {
		if c.Advisory {
			advisory = append(advisory, c)
		} else {
			main = append(main, c)
		}
	}
	var out []Policy
	for _, part := range []struct {
		checks   []policy.CELCheck
		advisory bool
	}{{main, false}, {advisory, true}} {
		if len(part.checks) == 0 {
			continue
		}
		out = append(out, Policy{Rule: r.ID, Advisory: part.advisory, Spec: spec(r, f, part.checks)})
	}
	return out
}

// Variable names the generator adds (rule variables never start with "guardrail").
const (
	varRatchet = "guardrailRatchet"
)

func spec(r *policy.Rule, f policy.CELForm, checks []policy.CELCheck) admissionregistrationv1.ValidatingAdmissionPolicySpec {
	fail := admissionregistrationv1.Fail
	equivalent := admissionregistrationv1.Equivalent
	ns := namespaceExpr(r)
	exempt := exemptExpr(r.ID, ns)
	s := admissionregistrationv1.ValidatingAdmissionPolicySpec{
		// An expression that cannot be evaluated refuses the request.
		FailurePolicy: &fail,
		ParamKind:     &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
		MatchConstraints: &admissionregistrationv1.MatchResources{
			MatchPolicy:   &equivalent,
			ResourceRules: resourceRules(r.Targets),
		},
		MatchConditions: []admissionregistrationv1.MatchCondition{
			{
				// exemptions.namespaces globs (names are in the binding's namespaceSelector).
				Name:       "not-in-exempt-namespace",
				Expression: `!('` + keyExemptNamespaces + `' in params.data) || !(` + ns + `).matches(params.data['` + keyExemptNamespaces + `'])`,
			},
			{
				// Engine.exemptionsOf: an honoured exemption annotation.
				Name:       "not-exempted-by-annotation",
				Expression: `!(` + fmt.Sprintf(exempt, "object") + `)`,
			},
			{
				// terminatingMetadataOnly: a finalizer removal is never judged.
				Name:       "not-terminating-metadata-only",
				Expression: `!(request.operation == 'UPDATE' && has(object.metadata.deletionTimestamp) && ` + metadataOnlyExpr + `)`,
			},
		},
		Variables: []admissionregistrationv1.Variable{
			// ratchet: a metadata-only UPDATE denies only findings the old
			// object did not have; an old object exempt from the rule had none.
			{Name: varRatchet, Expression: `request.operation == 'UPDATE' && ` + metadataOnlyExpr + ` && !(` + fmt.Sprintf(exempt, "oldObject") + `)`},
		},
	}
	for _, v := range f.Variables {
		s.Variables = append(s.Variables, admissionregistrationv1.Variable{Name: v.Name, Expression: v.Expression})
	}
	for _, c := range checks {
		same := "variables." + varRatchet
		if c.SameOnOld != "" {
			same = "(" + same + " && " + c.SameOnOld + ")"
		}
		s.Validations = append(s.Validations, admissionregistrationv1.Validation{
			Expression:        "(" + c.Expression + ") || " + same,
			MessageExpression: c.Message,
			Message:           r.ID + " " + r.Title + " (fix: " + r.Remediation + ")",
		})
	}
	return s
}

// metadataOnlyExpr is sameBeyondMetadata for the kinds with policies (spec,
// metadata and status are their only fields besides apiVersion and kind).
const metadataOnlyExpr = `(has(object.spec) == has(oldObject.spec) && (!has(object.spec) || object.spec == oldObject.spec))`

// namespaceExpr is namespaceOf: the request's namespace, or a Namespace's own name.
func namespaceExpr(r *policy.Rule) string {
	if len(r.Targets) == 1 && r.Targets[0] == policy.KindNamespace {
		return "object.metadata.name"
	}
	return "request.namespace"
}

// exemptExpr is a format string (%s: object or oldObject) that is true when
// the object's exemption annotation exempts it from rule id, as
// Engine.addExemptions honours it: the rule may be exempted, the namespace
// honours annotations, the reason is not blank and the comma-separated list
// names the rule.
func exemptExpr(id, ns string) string {
	ann := "%[1]s.metadata.annotations"
	return strings.Join([]string{
		`params.data['` + policy.CELParamKey(id, suffixExemptable) + `'] == 'true'`,
		`(!('` + keyAnnotationNamespaces + `' in params.data) || (` + ns + `).matches(params.data['` + keyAnnotationNamespaces + `']))`,
		`has(` + ann + `)`,
		`'` + policy.AnnotationExempt + `' in ` + ann,
		`'` + policy.AnnotationExemptReason + `' in ` + ann,
		ann + `['` + policy.AnnotationExemptReason + `'].trim() != ''`,
		ann + `['` + policy.AnnotationExempt + `'].split(',').exists(x, x.trim() == '` + id + `')`,
	}, " && ")
}

// resources maps the kinds with CEL forms to their API resources.
var resources = map[policy.Kind]string{
	policy.KindPeerAuthentication:  "peerauthentications",
	policy.KindAuthorizationPolicy: "authorizationpolicies",
	policy.KindDestinationRule:     "destinationrules",
	policy.KindGateway:             "gateways",
	policy.KindSidecar:             "sidecars",
	policy.KindNamespace:           "namespaces",
}

func resourceRules(kinds []policy.Kind) []admissionregistrationv1.NamedRuleWithOperations {
	out := make([]admissionregistrationv1.NamedRuleWithOperations, 0, len(kinds))
	all := admissionregistrationv1.AllScopes
	for _, k := range kinds {
		res, ok := resources[k]
		if !ok {
			panic("admissionpolicy: no resource for kind " + string(k)) // caught by the package tests
		}
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{APIGroups: []string{k.GroupKind().Group}, APIVersions: []string{"*"},
				Resources: []string{res}, Scope: &all},
		}})
	}
	return out
}

// Resource returns the API resource of kind k, for the kinds with policies.
func Resource(k policy.Kind) (string, bool) {
	r, ok := resources[k]
	return r, ok
}
