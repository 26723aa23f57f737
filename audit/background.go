package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	orclient "github.com/openreports/reports-api/pkg/client/clientset/versioned"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection"
	crleader "sigs.k8s.io/controller-runtime/pkg/leaderelection"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// BackgroundOptions configures the background audit of serve.
type BackgroundOptions struct {
	Config *rest.Config
	// Engine returns the engine in force (hot-reloaded), nil before one is.
	Engine func() *policy.Engine
	Decode Decoder
	// LeaseNamespace and LeaseName name the Lease of the leader election:
	// one replica audits and writes, the others wait.
	LeaseNamespace, LeaseName                 string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Interval is the least time between two evaluations; changes seen by
	// the informers in between are judged together at the next one.
	Interval time.Duration
	// MaxResults caps the results of each report (failures kept first).
	MaxResults int
	// WritesPerSecond limits report writes (create, update, delete).
	WritesPerSecond float64
	Log             *zap.Logger
	// Registry, if set, gets the posture gauges (metrics.go).
	Registry prometheus.Registerer
	// Published, if set, is called after each evaluation with the number of
	// reports written and left unchanged (tests, metrics).
	Published func(written, unchanged int)
	// SyncTimeout bounds the wait for the informers' first lists: past it
	// (or as soon as every kind not yet listed fails with a persistent
	// error, such as Forbidden), what could be listed is judged and the
	// kinds that could not are named in the reports as errors.
	SyncTimeout time.Duration
	// DiscoveryInterval is how often the leader asks discovery again for the
	// kinds the engine judges (default 1m): a CRD installed after it took
	// the lead (Istio installed after the guardrail, or a kind a reloaded
	// configuration judges) is watched from then on.
	DiscoveryInterval time.Duration
}

func (o BackgroundOptions) withDefaults() BackgroundOptions {
	if o.LeaseName == "" {
		o.LeaseName = "istio-guardrail-audit"
	}
	if o.LeaseDuration == 0 {
		o.LeaseDuration = 15 * time.Second
	}
	if o.RenewDeadline == 0 {
		o.RenewDeadline = 10 * time.Second
	}
	if o.RetryPeriod == 0 {
		o.RetryPeriod = 2 * time.Second
	}
	if o.Interval == 0 {
		o.Interval = 30 * time.Second
	}
	if o.MaxResults == 0 {
		o.MaxResults = 200
	}
	if o.WritesPerSecond == 0 {
		o.WritesPerSecond = 5
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.SyncTimeout == 0 {
		o.SyncTimeout = 2 * time.Minute
	}
	if o.DiscoveryInterval == 0 {
		o.DiscoveryInterval = time.Minute
	}
	return o
}

// RunBackground campaigns for the audit Lease until ctx is done; while this
// replica leads, it keeps informers on every kind the engine judges and
// publishes the audit as OpenReports reports (see lead).
func RunBackground(ctx context.Context, o BackgroundOptions) error {
	o = o.withDefaults()
	if o.Engine == nil || o.Decode == nil || o.Config == nil {
		return errors.New("background audit: config, engine and decoder are required")
	}
	lock, err := crleader.NewResourceLock(o.Config, noRecorders{}, crleader.Options{LeaderElection: true,
		LeaderElectionID: o.LeaseName, LeaderElectionNamespace: o.LeaseNamespace, RenewDeadline: o.RenewDeadline})
	if err != nil {
		return fmt.Errorf("background audit: leader election: %w", err)
	}
	id := lock.Identity()
	metrics := newPostureMetrics(o.Registry)
	lists := newListMetrics(o.Registry)
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock: lock, LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
			ReleaseOnCancel: true, Name: o.LeaseName,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) {
					o.Log.Info("leading the background audit", zap.String("identity", id))
					metrics.setLeader(true)
					defer metrics.setLeader(false)
					if err := lead(lctx, o, id, metrics, lists); err != nil && lctx.Err() == nil {
						o.Log.Error("background audit stopped", zap.Error(err))
					}
				},
				OnStoppedLeading: func() { o.Log.Info("no longer leading the background audit", zap.String("identity", id)) },
			},
		})
	}
	return nil
}

// lead runs the audit while this replica holds the Lease: informers feed a
// dirty flag; at most every Interval the cached objects are judged (each
// object's per-object findings are kept by UID and resourceVersion, so only
// changed objects are judged again) and the reports that changed are written.
// A kind whose informer has not listed it (Forbidden, or SyncTimeout passed)
// is judged as absent from a partial input and named in every report as an
// error; it is judged again as soon as its informer lists it.
func lead(ctx context.Context, o BackgroundOptions, id string, metrics *postureMetrics, lists *listMetrics) error {
	eng := o.Engine()
	for eng == nil {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		eng = o.Engine()
	}
	dc, err := discovery.NewDiscoveryClientForConfig(o.Config)
	if err != nil {
		return err
	}
	served, _, err := mappings(dc, Kinds(eng))
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(o.Config)
	if err != nil {
		return err
	}
	reports, err := orclient.NewForConfig(o.Config)
	if err != nil {
		return err
	}
	v := newView(o, lists)
	factory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)
	if _, err := v.watch(factory, served); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if err := v.waitForLists(ctx); err != nil {
		return nil // ctx done
	}
	w := &writer{client: reports, id: id, limiter: rate.NewLimiter(rate.Limit(o.WritesPerSecond), 1), log: o.Log}
	if err := w.load(ctx); err != nil {
		return err
	}
	v.dirty.Store(true)
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	rediscover := time.NewTicker(o.DiscoveryInterval)
	defer rediscover.Stop()
	for {
		if v.dirty.Swap(false) {
			set := v.evaluate(o.Engine())
			metrics.observe(set)
			written, unchanged, err := w.publish(ctx, set)
			if err != nil && ctx.Err() == nil {
				o.Log.Error("publish reports", zap.Error(err))
				v.dirty.Store(true) // try again at the next tick
			}
			if o.Published != nil {
				o.Published(written, unchanged)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if v.unlisted() != v.lastUnlisted.Load() { // a kind became readable
				v.dirty.Store(true)
			}
		case <-rediscover.C:
			if v.watchNew(ctx, dc, factory) > 0 {
				v.dirty.Store(true)
			}
		}
	}
}

// newView builds the leader's view; watch adds its informers.
func newView(o BackgroundOptions, lists *listMetrics) *view {
	return &view{o: o, cached: map[string]cachedResult{}, errs: newKindErrors(o.Log, lists)}
}

// watch adds an informer per served kind to factory, each feeding the dirty
// flag and reporting its list and watch errors to v.errs, and returns them.
func (v *view) watch(factory dynamicinformer.DynamicSharedInformerFactory, served []*meta.RESTMapping) ([]informerOf, error) {
	var added []informerOf
	for _, m := range served {
		inf := factory.ForResource(m.Resource).Informer()
		if err := inf.SetTransform(dropManagedFields); err != nil {
			return nil, err
		}
		// In place of client-go's default handler, which logs every retry.
		if err := inf.SetWatchErrorHandler(func(r *cache.Reflector, err error) { v.listError(m, r.LastSyncResourceVersion(), err) }); err != nil {
			return nil, err
		}
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { v.dirty.Store(true) },
			UpdateFunc: func(any, any) { v.dirty.Store(true) },
			DeleteFunc: func(any) { v.dirty.Store(true) },
		}); err != nil {
			return nil, err
		}
		added = append(added, informerOf{m, inf})
	}
	v.informers = append(v.informers, added...)
	return added, nil
}

// watchNew follows discovery: it adds and starts informers for the kinds the
// engine judges that the server serves now but were not served (or not
// judged) when the informers were last added, waits a little (newListWait,
// at most SyncTimeout) for their first lists (one not listed by then is
// judged as any kind not listed yet), and retires the informers of the kinds
// discovery no longer serves at their version or the engine no longer judges
// (a CRD uninstalled on purpose): their stale objects are not judged and the
// kind is not named as an error; served again, it is judged again. It
// returns how many informers it added or retired or brought back. A failed
// discovery changes nothing: it is logged and tried again at the next call.
func (v *view) watchNew(ctx context.Context, dc discovery.DiscoveryInterface, factory dynamicinformer.DynamicSharedInformerFactory) int {
	eng := v.o.Engine()
	if eng == nil {
		return 0
	}
	served, _, err := mappings(dc, Kinds(eng))
	if err != nil {
		v.o.Log.Warn("background audit: discovery failed; kinds installed since the last discovery are not watched yet", zap.Error(err))
		return 0
	}
	retired := map[schema.GroupVersionResource]bool{}
	for _, i := range v.informers {
		if !slices.ContainsFunc(served, func(m *meta.RESTMapping) bool { return m.Resource == i.m.Resource }) {
			retired[i.m.Resource] = true
		}
	}
	was := map[schema.GroupVersionResource]bool{}
	if p := v.retired.Load(); p != nil {
		was = *p
	}
	changed := 0
	for r := range retired {
		if !was[r] {
			changed++
			v.o.Log.Info("background audit: kind no longer served or judged: not audited until it is again", zap.String("resource", r.String()))
		}
	}
	for r := range was {
		if !retired[r] {
			changed++
			v.o.Log.Info("background audit: kind served and judged again", zap.String("resource", r.String()))
		}
	}
	if changed > 0 {
		v.retired.Store(&retired)
	}
	var fresh []*meta.RESTMapping
	for _, m := range served {
		if !slices.ContainsFunc(v.informers, func(i informerOf) bool { return i.m.Resource == m.Resource }) {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return changed
	}
	added, err := v.watch(factory, fresh)
	if err != nil {
		v.o.Log.Error("background audit: watch kinds served since the last discovery", zap.Error(err))
		return changed
	}
	factory.Start(ctx.Done())
	kinds := make([]string, len(added))
	synced := make([]cache.InformerSynced, len(added))
	for i, a := range added {
		kinds[i] = a.m.GroupVersionKind.GroupKind().String()
		synced[i] = a.inf.HasSynced
	}
	wait, cancel := context.WithTimeout(ctx, min(newListWait, v.o.SyncTimeout))
	defer cancel()
	cache.WaitForCacheSync(wait.Done(), synced...)
	v.o.Log.Info("background audit: watching kinds served since the last discovery", zap.Strings("kinds", kinds))
	return changed + len(added)
}

// isRetired reports whether watchNew retired the kind of m.
func (v *view) isRetired(m *meta.RESTMapping) bool {
	r := v.retired.Load()
	return r != nil && (*r)[m.Resource]
}

// listError records a list or watch error of m's informer, unless its kind
// is retired: a deleted CRD's informer keeps retrying its list (one informer
// of a shared factory cannot be stopped), and those NotFounds are neither
// counted nor logged.
func (v *view) listError(m *meta.RESTMapping, rv string, err error) {
	if !v.isRetired(m) {
		v.errs.observe(m, rv, err)
	}
}

// newListWait bounds watchNew's wait for the first lists of new kinds, so
// that a kind the ServiceAccount may not list delays the leader's loop little.
const newListWait = 10 * time.Second

// waitForLists waits until every informer has listed its kind, or every one
// that has not fails with a persistent error, or SyncTimeout passes; it
// returns an error only when ctx is done.
func (v *view) waitForLists(ctx context.Context) error {
	deadline := time.NewTimer(v.o.SyncTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		waiting := 0
		for _, i := range v.informers {
			if i.inf.HasSynced() {
				continue
			}
			if e, ok := v.errs.get(i.m.GroupVersionKind.GroupKind().String()); ok && e.persistent {
				continue
			}
			waiting++
		}
		if waiting == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			v.o.Log.Error("background audit: kinds not listed in time, judging without them", zap.Duration("syncTimeout", v.o.SyncTimeout),
				zap.Strings("kinds", v.unlistedKinds()))
			return nil
		case <-poll.C:
		}
	}
}

// unreadable returns the informers that have not listed their kind, or
// whose kind was refused (a persistent error) after their last list or watch
// event, with the last error seen (or why there is none).
func (v *view) unreadable() []unreadable {
	var out []unreadable
	for _, i := range v.informers {
		if v.isRetired(i.m) {
			continue
		}
		e, failed := v.errs.get(i.m.GroupVersionKind.GroupKind().String())
		switch {
		case !i.inf.HasSynced():
			if !failed {
				e.err = fmt.Errorf("not listed within %s", v.o.SyncTimeout)
			}
		case failed && e.persistent && i.inf.LastSyncResourceVersion() == e.rv:
			// Listed once, refused since (RBAC revoked, CRD removed): the
			// cached objects are stale, and are not judged.
		default:
			continue
		}
		out = append(out, unreadable{m: i.m, err: e.err})
	}
	sortUnreadable(out)
	return out
}

func (v *view) unlisted() int64 { return int64(len(v.unreadable())) }

func (v *view) unlistedKinds() []string {
	var out []string
	for _, u := range v.unreadable() {
		out = append(out, u.m.GroupVersionKind.GroupKind().String())
	}
	return out
}

type informerOf struct {
	m   *meta.RESTMapping
	inf cache.SharedIndexInformer
}

// view is the leader's incremental judgement of the informers' objects.
type view struct {
	o         BackgroundOptions
	informers []informerOf
	// retired are the resources of informers whose kind discovery no
	// longer serves (or the engine no longer judges), set by watchNew.
	retired atomic.Pointer[map[schema.GroupVersionResource]bool]
	dirty   atomic.Bool
	errs    *kindErrors
	// lastUnlisted is the number of kinds not listed at the last evaluation.
	lastUnlisted atomic.Int64
	mu           sync.Mutex
	engine       *policy.Engine
	cached       map[string]cachedResult // by UID
}

// cachedResult is an object's per-object findings, valid while the object
// (resourceVersion) and its namespace's labels are unchanged.
type cachedResult struct {
	rv, nsLabels string
	findings     []policy.Finding
}

// evaluate judges every cached object: namespaces first (their labels are
// the per-object rules' context), then the rest, and the cross-object rules
// over the index of them all.
func (v *view) evaluate(eng *policy.Engine) reportSet {
	v.mu.Lock()
	defer v.mu.Unlock()
	if eng != v.engine { // a new configuration: judge everything again
		v.engine, v.cached = eng, map[string]cachedResult{}
	}
	unread := v.unreadable()
	v.lastUnlisted.Store(int64(len(unread)))
	skip := map[*meta.RESTMapping]bool{}
	for _, u := range unread {
		skip[u.m] = true
	}
	labels := policy.NamespaceLabels{}
	ctx := &policy.Context{Namespaces: labels}
	// Without every kind the cross-object rules read, the index is a partial
	// input, judged as check judges files: no rule concludes from an absence.
	idx := policy.NewClusterIndex(!anyIndexed(unread))
	var objs []judged
	seen := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, i := range v.informers {
			isNS := i.m.GroupVersionKind.GroupKind() == policy.KindNamespace.GroupKind()
			if isNS != (pass == 0) || skip[i.m] || v.isRetired(i.m) {
				continue
			}
			for _, item := range i.inf.GetStore().List() {
				u, ok := item.(*unstructured.Unstructured)
				if !ok {
					continue
				}
				raw, err := u.MarshalJSON()
				if err != nil {
					continue
				}
				obj, err := decodeWith(v.o.Decode, raw)
				if err != nil || obj.Meta == nil {
					v.o.Log.Debug("skip undecodable object", zap.Error(err))
					continue
				}
				if isNS {
					labels[obj.Meta.Name] = obj.Meta.Labels
				}
				idx.Add(obj)
				uid := string(obj.Meta.UID)
				seen[uid] = true
				nsKey := k8slabels.Set(labels[obj.Meta.Namespace]).String() // sorted: equal label sets, equal keys
				c, ok := v.cached[uid]
				if !ok || c.rv != obj.Meta.ResourceVersion || c.nsLabels != nsKey {
					c = cachedResult{rv: obj.Meta.ResourceVersion, nsLabels: nsKey, findings: eng.Validate(ctx, obj).Findings}
					v.cached[uid] = c
				}
				objs = append(objs, judged{ref: obj.Ref(), findings: c.findings})
			}
		}
	}
	for uid := range v.cached {
		if !seen[uid] {
			delete(v.cached, uid)
		}
	}
	cross := map[policy.ObjectRef][]policy.Finding{}
	for _, r := range eng.ValidateCluster(idx) {
		cross[r.Object] = r.Findings
	}
	for i := range objs {
		if fs, ok := cross[objs[i].ref]; ok {
			objs[i].findings = append(append([]policy.Finding(nil), objs[i].findings...), fs...)
			delete(cross, objs[i].ref)
		}
	}
	for ref, fs := range cross { // reported on objects that do not exist
		objs = append(objs, judged{ref: ref, findings: fs})
	}
	return buildReports(objs, v.o.MaxResults, unread)
}

// dropManagedFields keeps the informers' objects smaller: nothing reads them.
func dropManagedFields(obj any) (any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.SetManagedFields(nil)
	}
	return obj, nil
}
