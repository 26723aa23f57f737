package policy

import "sort"

// CELForm is a rule written in CEL for a Kubernetes ValidatingAdmissionPolicy,
// so the API server can enforce it without the webhook. A rule has a CEL form
// only if the form gives the engine's verdict on every object the API server
// can store: the same hiding places (port level, subsets, every list entry),
// the same spellings after the API server's pruning, the same defaults. A rule
// CEL cannot express exactly has no form and a reason in CELGaps; it never
// gets a weaker approximation under its ID.
//
// Expressions see the object as the API server stores it (`object`,
// `oldObject`, `request`) and the rule's parameters as strings in a
// ConfigMap (`params.data[CELParamKey(rule, name)]`). Package admissionpolicy
// assembles the policies; exemptions, ratcheting and actions are added there,
// the same for every rule.
type CELForm struct {
	// Variables are evaluated once per request and referenced as variables.<Name>.
	Variables []CELVariable
	// Checks are the rule's findings, one CEL check per kind of finding.
	Checks []CELCheck
}

// CELVariable is one named CEL expression of a form.
type CELVariable struct {
	Name       string
	Expression string
}

// CELCheck is one kind of finding of a rule.
type CELCheck struct {
	// Expression is true when the object does not have the finding.
	Expression string
	// Message is a CEL string expression that words the finding as the engine
	// does, rule ID first: "IGR101 PeerAuthentication ns/name spec.mtls.mode: ...".
	Message string
	// Advisory marks a finding the engine reports at no more than warn
	// (Violation.AsAdvisory).
	Advisory bool
	// SameOnOld, for a finding that depends on mutable metadata, is true when
	// oldObject has the same finding (same rule, field and message), which is
	// how the webhook ratchets a metadata-only UPDATE. Empty means the finding
	// depends only on the spec and on immutable metadata (namespace, name),
	// so an old object with the same spec has the same finding.
	SameOnOld string
}

// CELParamKey is the params ConfigMap key holding parameter name of rule.
func CELParamKey(rule, name string) string { return rule + "." + name }

// Why a rule has no CEL form (Rule.CELGap).
const (
	celNotYet      = "not written in CEL yet: the webhook alone enforces it"
	celFiles       = "judges files only: at admission the API server has already pruned unknown fields"
	celExemptions  = "judges the exemption annotations themselves (the policies honour them as the engine does)"
	celIPsAndGlobs = "decides whether IP blocks and principal wildcards together cover everyone (set arithmetic over CIDRs and globs with no exact CEL form)"
	celCharts      = "judges IstioOperators, Istio Helm values and rendered control-plane objects as Istio's charts merge them (Helm truthiness and defaults)"
	celMeshConfig  = "parses the mesh config YAML inside the istio ConfigMap (and IstioOperator values merged with it); CEL cannot parse YAML"
	celProxyConfig = "parses the proxy.istio.io/config annotation as YAML or JSON; CEL can parse neither"
	celDurations   = "not written in CEL yet: compares durations as istiod's decoder reads them (Go-style 1h30m) and merges pools per port and subset"
	celSuffixes    = "decides public suffixes with the Public Suffix List (golang.org/x/net/publicsuffix), which CEL does not have"
	celRoutes      = "judges a Gateway's plaintext listeners with the HTTPRoutes and GRPCRoutes attached to them, other objects a policy cannot see"
	celCluster     = "cross-object: judges objects of the whole cluster together (audit, and check for what its input holds); a policy sees one object"
	celAnchors     = "guards DELETE of the hardening's anchors against the rest of the cluster (is it the last default-deny policy?), which a policy cannot see"
)

// CELForms returns the CEL form of every rule that has one (Rule.CEL), by
// rule ID.
func CELForms() map[string]CELForm {
	out := map[string]CELForm{}
	for _, r := range Catalogue() {
		if r.CEL != nil {
			out[r.ID] = r.CEL()
		}
	}
	return out
}

// CELGaps returns, for every validation rule without a CEL form, why it has
// none (Rule.CELGap). Every rule of the catalogue is in exactly one of
// CELForms and CELGaps.
func CELGaps() map[string]string {
	out := map[string]string{}
	for _, r := range Catalogue() {
		if r.CELGap != "" {
			out[r.ID] = r.CELGap
		}
	}
	return out
}

// CELFormIDs returns the IDs of the rules with a CEL form, sorted.
func CELFormIDs() []string {
	ids := make([]string, 0, len(CELForms()))
	for id := range CELForms() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Params returns the effective parameters of rule id (defaults overridden by
// the settings), ok=false for an unknown ID.
func (e *Engine) Params(id string) (Params, bool) {
	cr, ok := e.ruleByID[id]
	if !ok {
		return nil, false
	}
	return cloneParams(cr.params), true
}
