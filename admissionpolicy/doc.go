// Package admissionpolicy turns the rules that have a CEL form (policy.CELForms)
// into ValidatingAdmissionPolicies, their bindings and one params ConfigMap,
// honouring a GuardrailConfig's actions, parameters and exemptions, so the API
// server enforces them without the webhook. The policies themselves do not
// depend on the configuration: everything that does is in the bindings
// (validationActions, matchResources) and the params ConfigMap.
package admissionpolicy
