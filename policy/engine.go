package policy

import (
	"fmt"
	"path"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Annotations the engine reads and writes.
const (
	// AnnotationExempt lists rule IDs ("IGR201,IGR203") the object is exempt from.
	AnnotationExempt = "istio-guardrail.io/exempt"
	// AnnotationExemptReason must accompany AnnotationExempt, or the exemption is ignored.
	AnnotationExemptReason = "istio-guardrail.io/exempt-reason"
	// AnnotationMutated records the mutators that changed an object ("IGR901,IGR903").
	AnnotationMutated = "istio-guardrail.io/mutated"
)

// Settings configures an Engine: per-rule actions and parameters, exemptions
// and mutator settings. The zero value means "all defaults". Package config
// decodes the user's GuardrailConfig into Settings.
type Settings struct {
	// Rules overrides the default action and parameters by rule ID.
	Rules map[string]RuleSettings
	// ExemptNamespaces are namespace names or path.Match globs ("legacy-*")
	// on which no validation rule runs.
	ExemptNamespaces []string
	// ExemptableRules restricts the rule IDs objects may exempt themselves
	// from with AnnotationExempt: nil allows every rule, an empty list none.
	// Exemptions naming other rules are ignored and reported by IGR001.
	ExemptableRules []string
	// ExemptAnnotationNamespaces limits where AnnotationExempt is honoured:
	// namespace names or path.Match globs. nil honours it in every
	// namespace; elsewhere it is ignored and reported by IGR001. Objects
	// without a namespace are matched by "" (a Namespace by its own name).
	ExemptAnnotationNamespaces []string
	// Mutators configures the mutators by ID.
	Mutators map[string]MutatorSettings
	// Mutation holds the settings shared by all mutators.
	Mutation MutationSettings
	// IstioVersion is the Istio release whose behaviour is judged where it
	// changed between releases ("1.26"; "" is DefaultIstioVersion).
	IstioVersion string
}

// RuleSettings overrides one rule. An empty Action keeps the default; nil
// Params keep the default parameters, else they are a value of the type the
// rule's ParamSet declares (a pointer to its parameter struct).
type RuleSettings struct {
	Action Action
	Params Params
}

// compiledRule is a rule with its effective action and parameters.
type compiledRule struct {
	rule   *Rule
	action Action
	params Params
}

// Engine evaluates the catalogue with one Settings. It is immutable and safe
// for concurrent use; build a new one to change settings.
type Engine struct {
	rules       []*compiledRule
	byKind      map[Kind][]*compiledRule
	anyKind     []*compiledRule
	exemptNS    []string
	exemptable  map[string]bool // nil: every rule may be exempted
	exemptAnnNS []string        // nil: annotations honoured in every namespace
	ruleByID    map[string]*compiledRule
	mutation    *mutationPlan
	catalogIDs  map[string]bool
	istio       IstioVersion
}

// NewEngine compiles the catalogue with s. It fails on unknown rule IDs,
// invalid actions and parameters of the wrong name or type.
func NewEngine(s Settings) (*Engine, error) {
	e := &Engine{
		byKind:     map[Kind][]*compiledRule{},
		ruleByID:   map[string]*compiledRule{},
		catalogIDs: map[string]bool{},
	}
	v, err := ParseIstioVersion(s.IstioVersion)
	if err != nil {
		return nil, err
	}
	e.istio = v
	for _, r := range Catalogue() {
		e.catalogIDs[r.ID] = true
		rs := s.Rules[r.ID]
		action := r.DefaultAction
		if rs.Action != "" {
			if !rs.Action.Valid() {
				return nil, fmt.Errorf("rule %s: invalid action %q (want deny, warn, audit or off)", r.ID, rs.Action)
			}
			action = rs.Action
		}
		params, err := effectiveParams("rule "+r.ID, r.Params, rs.Params)
		if err != nil {
			return nil, err
		}
		cr := &compiledRule{rule: r, action: action, params: params}
		e.ruleByID[r.ID] = cr
		if action == ActionOff {
			continue
		}
		e.rules = append(e.rules, cr)
		if len(r.Targets) == 0 {
			e.anyKind = append(e.anyKind, cr)
		}
		for _, k := range r.Targets {
			e.byKind[k] = append(e.byKind[k], cr)
		}
	}
	var unknown []string
	for id := range s.Rules {
		if !e.catalogIDs[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown) // deterministic error text
		return nil, fmt.Errorf("unknown rule %q", unknown[0])
	}
	for _, g := range s.ExemptNamespaces {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("exempt namespace pattern %q: %w", g, err)
		}
	}
	e.exemptNS = append([]string(nil), s.ExemptNamespaces...)
	for _, g := range s.ExemptAnnotationNamespaces {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("exemption annotation namespace pattern %q: %w", g, err)
		}
	}
	if s.ExemptAnnotationNamespaces != nil {
		e.exemptAnnNS = append([]string{}, s.ExemptAnnotationNamespaces...)
	}
	if err := e.setExemptable(s.ExemptableRules); err != nil {
		return nil, err
	}
	plan, err := newMutationPlan(s)
	if err != nil {
		return nil, err
	}
	e.mutation = plan
	return e, nil
}

// withIstio is a copy of ctx (nil: an empty one) that carries the engine's
// Istio release, so that rules and mutators read it from their context.
func (e *Engine) withIstio(ctx *Context) *Context {
	c := Context{}
	if ctx != nil {
		c = *ctx
	}
	c.istio = e.istio
	return &c
}

// IstioVersion is the Istio release the engine judges.
func (e *Engine) IstioVersion() IstioVersion { return e.istio }

// Action returns the effective action of a rule, or "" for an unknown ID.
func (e *Engine) Action(id string) Action {
	if cr, ok := e.ruleByID[id]; ok {
		return cr.action
	}
	return ""
}

// Handles reports whether any enabled rule targets kind k.
func (e *Engine) Handles(k Kind) bool { return len(e.byKind[k]) > 0 }

// NamespaceExempt reports whether validation is skipped in namespace ns.
func (e *Engine) NamespaceExempt(ns string) bool {
	for _, g := range e.exemptNS {
		if ok, _ := path.Match(g, ns); ok {
			return true
		}
	}
	return false
}

// Result is the outcome of validating one object.
type Result struct {
	// Findings are sorted by rule, field and message.
	Findings []Finding
	// Skipped is true when no rule targets the object's kind.
	Skipped bool
	// ExemptNamespace is true when the object's namespace is exempt.
	ExemptNamespace bool
	// Exempted lists, by rule, the findings an honoured exemption
	// annotation suppressed (rules that found nothing are not listed), so
	// that every exemption that changes a verdict can be logged and counted.
	Exempted []Exemption
}

// Exemption is one rule whose findings an exemption annotation suppressed.
type Exemption struct {
	Rule string
	// Reason is the AnnotationExemptReason that came with it.
	Reason string
	// Suppressed is the number of findings it suppressed.
	Suppressed int
}

// Max returns the strongest action among the findings ("" if none).
func (r Result) Max() Action {
	var strongest Action
	for _, f := range r.Findings {
		if f.Action.rank() > strongest.rank() || strongest == "" {
			strongest = f.Action
		}
	}
	return strongest
}

// Count returns the number of findings with action a.
func (r Result) Count(a Action) int {
	n := 0
	for _, f := range r.Findings {
		if f.Action == a {
			n++
		}
	}
	return n
}

// Validate runs every enabled rule that targets obj's kind.
func (e *Engine) Validate(ctx *Context, obj *Object) Result {
	ctx = e.withIstio(ctx)
	kind := KindOf(obj.GroupKind)
	rules := e.byKind[kind]
	// Kinds no rule targets are skipped, unless the decoder found unknown
	// fields (IGR002 covers every Istio kind, e.g. a ServiceEntry typo).
	if len(rules) == 0 && len(obj.UnknownFields) == 0 {
		return Result{Skipped: true}
	}
	if e.NamespaceExempt(namespaceOf(obj)) {
		return Result{ExemptNamespace: true}
	}
	ex := e.exemptionsOf(obj)
	ref := obj.Ref()
	var out []Finding
	var exempted []Exemption
	for _, set := range [][]*compiledRule{e.anyKind, rules} {
		for _, cr := range set {
			vs := cr.rule.Check(ctx, obj, cr.params)
			if reason, ok := ex.exempt[cr.rule.ID]; ok {
				if len(vs) > 0 {
					exempted = append(exempted, Exemption{Rule: cr.rule.ID, Reason: reason, Suppressed: len(vs)})
				}
				continue
			}
			for _, v := range vs {
				out = append(out, cr.finding(ref, v))
			}
		}
	}
	if cr := e.ruleByID[ruleIDExemption]; cr != nil && cr.action != ActionOff {
		for _, v := range ex.problems {
			out = append(out, cr.finding(ref, v))
		}
	}
	sortFindings(out)
	sort.Slice(exempted, func(i, j int) bool { return exempted[i].Rule < exempted[j].Rule })
	return Result{Findings: out, Exempted: exempted}
}

func (cr *compiledRule) finding(ref ObjectRef, v Violation) Finding {
	action := cr.action
	if v.Advisory {
		action = weaker(action, ActionWarn)
	}
	fix := v.Fix
	if fix == "" {
		fix = cr.rule.Remediation
	}
	msg := v.Message
	if v.Value != nil {
		msg = quoteValue(v.Value) + " " + msg
	}
	return Finding{Rule: cr.rule.ID, Action: action, Object: ref, Field: v.Path.String(), Message: msg, Remediation: fix}
}

func sortFindings(f []Finding) {
	sort.SliceStable(f, func(i, j int) bool {
		a, b := f[i], f[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// namespaceOf returns the namespace that exemptions match: the object's
// namespace, or the name of a Namespace object.
func namespaceOf(obj *Object) string {
	if obj.Meta == nil {
		return ""
	}
	if KindOf(obj.GroupKind) == KindNamespace {
		return obj.Meta.Name
	}
	return obj.Meta.Namespace
}

// ruleIDExemption is the rule that reports exemptions the engine ignores.
const ruleIDExemption = "IGR001"

// exemptionSet is what an object's exemption annotations amount to.
type exemptionSet struct {
	// exempt maps the rule IDs the object is exempt from to the reason given.
	exempt map[string]string
	// problems are ignored exemptions that IGR001 reports in addition to its
	// own check of the object's metadata.
	problems []Violation
}

// setExemptable records which rules objects may exempt themselves from;
// nil allows all of them.
func (e *Engine) setExemptable(ids []string) error {
	if ids == nil {
		return nil
	}
	e.exemptable = make(map[string]bool, len(ids))
	for _, id := range ids {
		if !e.catalogIDs[id] {
			return fmt.Errorf("exemptable rules: unknown rule %q", id)
		}
		e.exemptable[id] = true
	}
	return nil
}

// exemptionsOf reads the exemptions that apply to obj. A Pod has only its own
// metadata. A workload is exempt by its own metadata or by its pod template's:
// the Pods it creates carry only the template's annotations, so an exemption
// on either place must hold for the workload and for its Pods alike.
func (e *Engine) exemptionsOf(obj *Object) exemptionSet {
	set := exemptionSet{exempt: map[string]string{}}
	honoured := e.annotationsHonouredIn(namespaceOf(obj))
	if obj.Meta != nil {
		e.addExemptions(&set, obj.Meta, field.NewPath("metadata"), false, honoured)
	}
	if KindOf(obj.GroupKind) == KindPod {
		return set
	}
	if pt, ok := PodTemplateOf(obj); ok {
		e.addExemptions(&set, pt.Meta, pt.MetaPath, true, honoured)
	}
	return set
}

// annotationsHonouredIn reports whether exemption annotations count in
// namespace ns (cluster-scoped objects have ns "", see
// ExemptAnnotationNamespaces).
func (e *Engine) annotationsHonouredIn(ns string) bool {
	if e.exemptAnnNS == nil {
		return true
	}
	for _, g := range e.exemptAnnNS {
		if ok, _ := path.Match(g, ns); ok {
			return true
		}
	}
	return false
}

// addExemptions adds the exemptions of the metadata m found at path at. An
// exemption without a reason is ignored; IGR001 itself reports that for the
// object's metadata, so reportMissingReason is set only for pod templates.
// Rules the configuration does not allow to be exempted are ignored and
// reported as an advisory IGR001 finding.
func (e *Engine) addExemptions(set *exemptionSet, m *metav1.ObjectMeta, at *field.Path, reportMissingReason, honoured bool) {
	ids, ok := m.Annotations[AnnotationExempt]
	if !ok {
		return
	}
	annotations := at.Child("annotations")
	if !honoured {
		msg := "is not honoured in this namespace (exemptions.annotationNamespaces); ignored"
		set.problems = append(set.problems, Invalid(annotations.Key(AnnotationExempt), ids, msg).AsAdvisory())
		return
	}
	reason := strings.TrimSpace(m.Annotations[AnnotationExemptReason])
	if reason == "" {
		if reportMissingReason {
			msg := "is missing, so the exemption from " + ids + " is ignored"
			set.problems = append(set.problems, Required(annotations.Key(AnnotationExemptReason), msg))
		}
		return
	}
	var refused []string
	for _, id := range strings.Split(ids, ",") {
		switch id = strings.TrimSpace(id); {
		case id == "" || id == ruleIDExemption:
		case e.exemptable != nil && !e.exemptable[id]:
			refused = append(refused, id)
		default:
			set.exempt[id] = reason
		}
	}
	if len(refused) > 0 {
		msg := "exempts " + strings.Join(refused, ",") + ", which the configuration does not allow; ignored for them"
		set.problems = append(set.problems, Invalid(annotations.Key(AnnotationExempt), ids, msg).AsAdvisory())
	}
}
