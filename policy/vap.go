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

// CELForms returns the CEL form of every rule that has one, by rule ID.
func CELForms() map[string]CELForm {
	return map[string]CELForm{
		"IGR101": celIGR101(),
		"IGR102": celIGR102(),
		"IGR201": celIGR201(),
		"IGR301": celIGR301(),
		"IGR401": celIGR401(),
		"IGR501": celIGR501(),
		"IGR502": celIGR502(),
		"IGR701": celIGR701(),
	}
}

// CELGaps returns, for every validation rule without a CEL form, why it has
// none. Every rule of the catalogue is in exactly one of CELForms and CELGaps.
func CELGaps() map[string]string {
	const (
		notYet      = "not written in CEL yet: the webhook alone enforces it"
		files       = "judges files only: at admission the API server has already pruned unknown fields"
		exemptions  = "judges the exemption annotations themselves (the policies honour them as the engine does)"
		ipsAndGlobs = "decides whether IP blocks and principal wildcards together cover everyone (set arithmetic over CIDRs and globs with no exact CEL form)"
		charts      = "judges IstioOperators, Istio Helm values and rendered control-plane objects as Istio's charts merge them (Helm truthiness and defaults)"
		meshConfig  = "parses the mesh config YAML inside the istio ConfigMap (and IstioOperator values merged with it); CEL cannot parse YAML"
		proxyConfig = "parses the proxy.istio.io/config annotation as YAML or JSON; CEL can parse neither"
		durations   = "not written in CEL yet: compares durations as istiod's decoder reads them (Go-style 1h30m) and merges pools per port and subset"
		suffixes    = "decides public suffixes with the Public Suffix List (golang.org/x/net/publicsuffix), which CEL does not have"
		routes      = "judges a Gateway's plaintext listeners with the HTTPRoutes and GRPCRoutes attached to them, other objects a policy cannot see"
		cluster     = "cross-object: judges objects of the whole cluster together (audit, and check for what its input holds); a policy sees one object"
		anchors     = "guards DELETE of the hardening's anchors against the rest of the cluster (is it the last default-deny policy?), which a policy cannot see"
	)
	return map[string]string{
		"IGR001": exemptions,
		"IGR002": files,
		"IGR103": notYet,
		"IGR202": notYet,
		"IGR203": durations,
		"IGR204": durations,
		"IGR302": notYet,
		"IGR303": notYet,
		"IGR304": notYet,
		"IGR305": notYet,
		"IGR306": notYet,
		"IGR307": notYet,
		"IGR308": routes,
		"IGR309": notYet,
		"IGR310": suffixes,
		"IGR311": notYet,
		"IGR312": notYet,
		"IGR402": ipsAndGlobs,
		"IGR403": notYet,
		"IGR404": notYet,
		"IGR405": notYet,
		"IGR406": notYet,
		"IGR503": suffixes,
		"IGR504": notYet,
		"IGR601": charts,
		"IGR602": charts,
		"IGR603": charts,
		"IGR604": charts,
		"IGR605": charts,
		"IGR606": meshConfig,
		"IGR607": meshConfig,
		"IGR608": meshConfig,
		"IGR609": meshConfig,
		"IGR610": meshConfig,
		"IGR611": charts,
		"IGR612": charts,
		"IGR613": charts,
		"IGR614": notYet,
		"IGR615": notYet,
		"IGR616": notYet,
		"IGR702": notYet,
		"IGR703": proxyConfig,
		"IGR704": notYet,
		"IGR705": durations,
		"IGR706": notYet,
		"IGR707": notYet,
		"IGR708": notYet,
		"IGR709": notYet,
		"IGR710": notYet,
		"IGR711": notYet,
		"IGR712": notYet,
		"IGR713": notYet,
		"IGR801": cluster,
		"IGR802": cluster,
		"IGR803": cluster,
		"IGR804": cluster,
		"IGR805": cluster,
		"IGR806": cluster,
		"IGR807": cluster,
		"IGR808": cluster,
		"IGR809": cluster,
		"IGR810": anchors,
		"IGR811": cluster,
	}
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
	out := make(Params, len(cr.params))
	for k, v := range cr.params {
		out[k] = v
	}
	return out, true
}
