package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// Decoder decodes one object as the API server serves it (manifest.FromJSON).
type Decoder func(raw []byte) (*policy.Object, error)

// Options configures an audit.
type Options struct {
	// Engine judges the objects.
	Engine *policy.Engine
	// Decode turns a listed item into an Object.
	Decode Decoder
	// Namespace limits the audit to one namespace; "" audits them all. The
	// root namespace's policies are read either way (they apply mesh-wide),
	// but only objects of Namespace (and the Namespace itself) are reported.
	Namespace string
	// RootNamespace is the Istio root namespace (default istio-system).
	RootNamespace string
	// PageSize is the number of objects per list request (default 500).
	PageSize int64
	// Source names the cluster in the findings' file field.
	Source string
	// Progress, if set, is called after every page with the objects seen so far.
	Progress func(Progress)
}

// Progress is how far an audit is.
type Progress struct {
	Objects int
	Kind    string
	Done    bool
}

// Result is the outcome of an audit.
type Result struct {
	Report *report.Report
	// Unserved are the kinds the cluster does not serve (CRDs not installed).
	Unserved []schema.GroupKind
}

// Run audits the cluster cfg points at.
func Run(ctx context.Context, cfg *rest.Config, o Options) (*Result, error) {
	if o.Engine == nil || o.Decode == nil {
		return nil, errors.New("audit: engine and decoder are required")
	}
	o = o.withDefaults()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build the discovery client: %w", err)
	}
	served, missing, err := mappings(dc, Kinds(o.Engine))
	if err != nil {
		return nil, err
	}
	l, err := newLister(cfg, o.PageSize)
	if err != nil {
		return nil, err
	}
	a := newRun(o)
	for _, m := range served {
		if err := a.list(ctx, l, m, a.scopeNamespaces(m)); err != nil {
			return nil, err
		}
	}
	if err := a.listHostNamespaces(ctx, l, served); err != nil {
		return nil, err
	}
	a.finish()
	if o.Progress != nil {
		o.Progress(Progress{Objects: a.seen, Done: true})
	}
	return &Result{Report: a.rep, Unserved: missing}, nil
}

func (o Options) withDefaults() Options {
	if o.RootNamespace == "" {
		o.RootNamespace = "istio-system"
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Source == "" {
		o.Source = "cluster"
	}
	return o
}

// run is one audit in progress: the report so far, the namespace labels the
// per-object rules read and the index of the cross-object rules.
type run struct {
	o     Options
	rep   *report.Report
	ctx   *policy.Context
	nsLab policy.NamespaceLabels
	index *policy.ClusterIndex
	seen  int
}

func newRun(o Options) *run {
	labels := policy.NamespaceLabels{}
	return &run{
		o:     o,
		rep:   &report.Report{FailOn: policy.ActionDeny},
		ctx:   &policy.Context{Namespaces: labels},
		nsLab: labels,
		index: policy.NewClusterIndex(true),
	}
}

// scopeNamespaces are the namespaces a resource is listed in: all ("") for
// cluster-scoped resources or without Options.Namespace, else the audited
// namespace and the root namespace (whose policies apply mesh-wide).
func (a *run) scopeNamespaces(m *meta.RESTMapping) []string {
	if a.o.Namespace == "" || m.Scope.Name() != meta.RESTScopeNameNamespace {
		return []string{""}
	}
	if a.o.RootNamespace == a.o.Namespace {
		return []string{a.o.Namespace}
	}
	return []string{a.o.Namespace, a.o.RootNamespace}
}

// listHostNamespaces indexes, under Options.Namespace, the namespaces the
// audited DestinationRules send traffic to (their Services, workloads and
// PeerAuthentications decide IGR803); their objects are not reported.
func (a *run) listHostNamespaces(ctx context.Context, l *lister, served []*meta.RESTMapping) error {
	if a.o.Namespace == "" {
		return nil
	}
	var extra []string
	for _, ns := range a.index.HostNamespaces() {
		if ns != a.o.Namespace && ns != a.o.RootNamespace {
			extra = append(extra, ns)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	indexed := map[schema.GroupKind]bool{}
	for _, k := range policy.IndexKinds() {
		indexed[k.GroupKind()] = true
	}
	for _, m := range served {
		if m.Scope.Name() == meta.RESTScopeNameNamespace && indexed[m.GroupVersionKind.GroupKind()] {
			if err := a.list(ctx, l, m, extra); err != nil {
				return err
			}
		}
	}
	return nil
}

// list lists one resource in namespaces ("" for all).
func (a *run) list(ctx context.Context, l *lister, m *meta.RESTMapping, namespaces []string) error {
	for _, ns := range namespaces {
		err := l.each(ctx, m, ns, func(item []byte) error {
			obj, err := a.o.decode(item)
			if err != nil {
				return err
			}
			a.add(obj)
			return nil
		})
		if err != nil {
			return err
		}
		if a.o.Progress != nil {
			a.o.Progress(Progress{Objects: a.seen, Kind: m.GroupVersionKind.Kind})
		}
	}
	return nil
}

// add judges one object and digests it into the index; the object itself is
// not kept.
func (a *run) add(obj *policy.Object) {
	a.seen++
	if policy.KindOf(obj.GroupKind) == policy.KindNamespace && obj.Meta != nil {
		a.nsLab[strings.Clone(obj.Meta.Name)] = cloneLabels(obj.Meta.Labels)
	}
	a.index.Add(obj)
	if !a.inScope(obj.Ref()) {
		return
	}
	res := a.o.Engine.Validate(a.ctx, obj)
	o := report.ObjectResult{File: a.o.Source, Ref: cloneRef(obj.Ref()), Skipped: res.Skipped || res.ExemptNamespace}
	o.Findings = a.entries(res.Findings)
	a.rep.Objects = append(a.rep.Objects, o)
}

// inScope reports whether an object is reported on under Options.Namespace.
func (a *run) inScope(ref policy.ObjectRef) bool {
	if a.o.Namespace == "" {
		return true
	}
	if ref.Kind == "Namespace" {
		return ref.Name == a.o.Namespace
	}
	return ref.Namespace == a.o.Namespace
}

// finish adds the cross-object findings to the objects they are on, and
// the objects that do not exist but are reported on (a root Namespace that
// was never created) at the end.
func (a *run) finish() {
	results := a.o.Engine.ValidateCluster(a.index)
	cross := map[policy.ObjectRef][]policy.Finding{}
	for _, res := range results {
		if a.inScope(res.Object) && len(res.Findings) > 0 {
			cross[res.Object] = res.Findings
		}
	}
	for i := range a.rep.Objects {
		o := &a.rep.Objects[i]
		if fs, ok := cross[o.Ref]; ok {
			o.Findings = append(o.Findings, a.entries(fs)...)
			o.Skipped = false
			delete(cross, o.Ref)
		}
	}
	for _, res := range results {
		if fs, ok := cross[res.Object]; ok {
			a.rep.Objects = append(a.rep.Objects, report.ObjectResult{File: a.o.Source, Ref: res.Object, Findings: a.entries(fs)})
		}
	}
}

func (a *run) entries(fs []policy.Finding) []report.Entry {
	out := make([]report.Entry, len(fs))
	for i, f := range fs {
		out[i] = report.Entry{Finding: f, File: a.o.Source}
	}
	return out
}

func cloneRef(r policy.ObjectRef) policy.ObjectRef {
	return policy.ObjectRef{APIVersion: strings.Clone(r.APIVersion), Kind: strings.Clone(r.Kind),
		Namespace: strings.Clone(r.Namespace), Name: strings.Clone(r.Name)}
}

func cloneLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}
