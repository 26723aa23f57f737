package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	orclient "github.com/openreports/reports-api/pkg/client/clientset/versioned"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock: lock, LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
			ReleaseOnCancel: true, Name: o.LeaseName,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) {
					o.Log.Info("leading the background audit", zap.String("identity", id))
					metrics.setLeader(true)
					defer metrics.setLeader(false)
					if err := lead(lctx, o, id, metrics); err != nil && lctx.Err() == nil {
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
func lead(ctx context.Context, o BackgroundOptions, id string, metrics *postureMetrics) error {
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
	v := &view{o: o, cached: map[string]cachedResult{}}
	factory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)
	for _, m := range served {
		inf := factory.ForResource(m.Resource).Informer()
		if err := inf.SetTransform(dropManagedFields); err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { v.dirty.Store(true) },
			UpdateFunc: func(any, any) { v.dirty.Store(true) },
			DeleteFunc: func(any) { v.dirty.Store(true) },
		}); err != nil {
			return err
		}
		v.informers = append(v.informers, informerOf{m, inf})
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	for _, i := range v.informers {
		if !cache.WaitForCacheSync(ctx.Done(), i.inf.HasSynced) {
			return ctx.Err()
		}
	}
	w := &writer{client: reports, id: id, limiter: rate.NewLimiter(rate.Limit(o.WritesPerSecond), 1), log: o.Log}
	if err := w.load(ctx); err != nil {
		return err
	}
	v.dirty.Store(true)
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
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
		}
	}
}

type informerOf struct {
	m   *meta.RESTMapping
	inf cache.SharedIndexInformer
}

// view is the leader's incremental judgement of the informers' objects.
type view struct {
	o         BackgroundOptions
	informers []informerOf
	dirty     atomic.Bool
	mu        sync.Mutex
	engine    *policy.Engine
	cached    map[string]cachedResult // by UID
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
	labels := policy.NamespaceLabels{}
	ctx := &policy.Context{Namespaces: labels}
	idx := policy.NewClusterIndex(true)
	var objs []judged
	seen := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, i := range v.informers {
			isNS := i.m.GroupVersionKind.GroupKind() == policy.KindNamespace.GroupKind()
			if isNS != (pass == 0) {
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
				nsKey := labelString(labels[obj.Meta.Namespace])
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
	return buildReports(objs, v.o.MaxResults)
}

func labelString(l map[string]string) string {
	b, _ := jsonMarshalSorted(l)
	return string(b)
}

// dropManagedFields keeps the informers' objects smaller: nothing reads them.
func dropManagedFields(obj any) (any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.SetManagedFields(nil)
	}
	return obj, nil
}
