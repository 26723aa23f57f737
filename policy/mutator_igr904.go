package policy

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"istio.io/api/label"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// IGR904 parameter names and the prefix of selector entries.
const (
	paramNamespaceRevisions = "namespaceRevisions"
	paramDefaultRevision    = "defaultRevision"
	selectorPrefix          = "selector:"
)

// IGR904Params are the parameters of IGR904.
type IGR904Params struct {
	NamespaceRevisions []string `yaml:"namespaceRevisions" desc:"PATTERN=REVISION entries: name, glob or selector:LABELSELECTOR; first match wins"`
	DefaultRevision    string   `yaml:"defaultRevision" desc:"revision for unmatched namespaces (empty: none)"`
}

func mutatorIGR904() *Mutator {
	return &Mutator{
		ID:    igr904,
		Title: "Revision label",
		Description: "Adds `" + label.IoIstioRev.Name + "` to Pods (and, when enabled, to Namespaces on creation) " +
			"from a mapping of namespaces to revisions, so a canary upgrade is one config change. Entries of " +
			"`namespaceRevisions` are `PATTERN=REVISION`, the first match wins: PATTERN is a namespace name, a " +
			"glob (`prod-*`), or `selector:` and a label selector on the namespace's labels " +
			"(`selector:env=canary=1-20-0`; the revision follows the last `=`). `defaultRevision` applies when " +
			"no entry matches. Never overrides a revision label, never labels a pod whose namespace already has " +
			"`istio.io/rev` (the namespace label wins) or the legacy `istio-injection` label (the revision would " +
			"be ignored, and IGR701 rejects the pair), and never acts in ambient namespaces.",
		Targets:        append(podAndWorkloadKinds(), KindNamespace),
		DefaultEnabled: true,
		Params:         ParamsOf(IGR904Params{NamespaceRevisions: []string{}}),
		Apply:          applyWith(applyIGR904),
		Validate: validateWith(func(p *IGR904Params) error {
			_, err := compileRevisions(p)
			return err
		}),
		Notes: notesWith(notesIGR904),
	}
}

// revisionEntry is one compiled namespaceRevisions entry: a name or glob, or
// a label selector.
type revisionEntry struct {
	glob     string
	selector labels.Selector
	revision string
}

// revisionMap is IGR904's compiled mapping from namespaces to revisions.
type revisionMap struct {
	entries  []revisionEntry
	fallback string
}

// compileRevisions parses and validates IGR904's parameters.
func compileRevisions(p *IGR904Params) (*revisionMap, error) {
	rm := &revisionMap{fallback: p.DefaultRevision}
	if rm.fallback != "" {
		if errs := validation.IsDNS1123Label(rm.fallback); len(errs) > 0 {
			return nil, fmt.Errorf("%s %q: %s", paramDefaultRevision, rm.fallback, strings.Join(errs, "; "))
		}
	}
	for _, s := range p.NamespaceRevisions {
		e, err := parseRevisionEntry(s)
		if err != nil {
			return nil, fmt.Errorf("%s entry %q: %w", paramNamespaceRevisions, s, err)
		}
		rm.entries = append(rm.entries, e)
	}
	return rm, nil
}

// parseRevisionEntry parses "PATTERN=REVISION" (the revision follows the last "=").
func parseRevisionEntry(s string) (revisionEntry, error) {
	i := strings.LastIndex(s, "=")
	if i <= 0 {
		return revisionEntry{}, errors.New("want PATTERN=REVISION")
	}
	pattern, rev := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if errs := validation.IsDNS1123Label(rev); len(errs) > 0 {
		return revisionEntry{}, fmt.Errorf("revision %q: %s", rev, strings.Join(errs, "; "))
	}
	if sel, ok := strings.CutPrefix(pattern, selectorPrefix); ok {
		parsed, err := labels.Parse(sel)
		if err != nil {
			return revisionEntry{}, fmt.Errorf("label selector: %w", err)
		}
		if parsed.Empty() {
			return revisionEntry{}, errors.New("empty label selector (use defaultRevision to match every namespace)")
		}
		return revisionEntry{selector: parsed, revision: rev}, nil
	}
	if _, err := path.Match(pattern, ""); err != nil || pattern == "" {
		return revisionEntry{}, fmt.Errorf("namespace pattern %q is not a name or glob", pattern)
	}
	return revisionEntry{glob: pattern, revision: rev}, nil
}

// revisionFor returns the revision mapped to namespace ns with labels nsLabels
// (nil when unknown: selectors then see no labels), or "".
func (rm *revisionMap) revisionFor(ns string, nsLabels map[string]string) string {
	for _, e := range rm.entries {
		if e.selector != nil {
			if e.selector.Matches(labels.Set(nsLabels)) {
				return e.revision
			}
			continue
		}
		if ok, _ := path.Match(e.glob, ns); ok {
			return e.revision
		}
	}
	return rm.fallback
}

func applyIGR904(ctx *Context, obj *Object, p *IGR904Params) (bool, error) {
	rm, err := compileRevisions(p)
	if err != nil {
		return false, err
	}
	if ns, ok := obj.Body.(*corev1.Namespace); ok {
		return labelNamespace(ns, rm), nil
	}
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return false, nil
	}
	rev, _ := podRevision(ctx, obj, pt, rm)
	if rev == "" {
		return false, nil
	}
	return setLabel(pt.Meta, label.IoIstioRev.Name, rev), nil
}

// labelNamespace adds the mapped revision to a Namespace without injection labels.
func labelNamespace(ns *corev1.Namespace, rm *revisionMap) bool {
	if ns == nil || ns.Labels[label.IoIstioRev.Name] != "" || hasKey(ns.Labels, LabelLegacyInjection) ||
		ns.Labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return false
	}
	rev := rm.revisionFor(ns.Name, ns.Labels)
	if rev == "" {
		return false
	}
	return setLabel(&ns.ObjectMeta, label.IoIstioRev.Name, rev)
}

// podRevision returns the revision label the pod should get ("" for none) and,
// when the mapping cannot apply because the namespace's own label decides, a
// note saying so.
func podRevision(ctx *Context, obj *Object, pt PodTemplate, rm *revisionMap) (rev, note string) {
	if _, ok := pt.Meta.Labels[label.IoIstioRev.Name]; ok {
		return "", ""
	}
	if _, _, loc := InjectedSidecar(pt); loc != SidecarNone {
		return "", ""
	}
	nsName := pt.Namespace(obj)
	nsLabels, _ := ctx.namespaceLabels(nsName)
	if hasKey(nsLabels, LabelLegacyInjection) {
		return "", ""
	}
	want := rm.revisionFor(nsName, nsLabels)
	if have := nsLabels[label.IoIstioRev.Name]; have != "" {
		if want != "" && want != have {
			note = fmt.Sprintf("namespace %s has %s=%s but the mapping says %s; relabel the namespace "+
				"(Istio ignores the pod label there)", nsName, label.IoIstioRev.Name, have, want)
		}
		return "", note
	}
	return want, ""
}

func notesIGR904(ctx *Context, obj *Object, p *IGR904Params) []string {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return nil
	}
	rm, err := compileRevisions(p)
	if err != nil {
		return nil
	}
	if _, note := podRevision(ctx, obj, pt, rm); note != "" {
		return []string{note}
	}
	return nil
}

// hasKey tells whether m has key k.
func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
