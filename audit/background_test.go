package audit

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	discoveryfake "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/dynamic/dynamicinformer"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// fakeCluster is a namespace enrolled in the mesh (istio-injection:
// enabled) without a NetworkPolicy, served by a fake dynamic client whose
// lists of the resource named fail with errFor while it returns one.
type fakeCluster struct {
	mappings []*meta.RESTMapping
	failing  atomic.Pointer[error]
	resource string
	client   *dynamicfake.FakeDynamicClient
	factory  dynamicinformer.DynamicSharedInformerFactory
}

var (
	nsMapping = &meta.RESTMapping{Resource: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"},
		GroupVersionKind: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, Scope: meta.RESTScopeRoot}
	npMapping = &meta.RESTMapping{Resource: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
		GroupVersionKind: schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}, Scope: meta.RESTScopeNamespace}
	telMapping = &meta.RESTMapping{Resource: schema.GroupVersionResource{Group: "telemetry.istio.io", Version: "v1", Resource: "telemetries"},
		GroupVersionKind: schema.GroupVersionKind{Group: "telemetry.istio.io", Version: "v1", Kind: "Telemetry"}, Scope: meta.RESTScopeNamespace}
)

func forbidden(resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "",
		errors.New(`User "system:serviceaccount:guardrail:istio-guardrail" cannot list resource "`+resource+`"`))
}

// start runs the view's informers over the fake cluster; lists of
// c.resource fail while c.failing holds an error.
func (c *fakeCluster) start(t *testing.T, o BackgroundOptions, lists *listMetrics) *view {
	t.Helper()
	shop := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "shop", "uid": "u-shop", "resourceVersion": "1", "labels": map[string]any{"istio-injection": "enabled"}}}}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		nsMapping.Resource: "NamespaceList", npMapping.Resource: "NetworkPolicyList", telMapping.Resource: "TelemetryList"}, shop)
	c.client = client
	client.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if e := c.failing.Load(); e != nil && a.GetResource().Resource == c.resource {
			return true, nil, *e
		}
		return false, nil, nil
	})
	v := newView(o.withDefaults(), lists)
	factory := dynamicinformer.NewDynamicSharedInformerFactory(client, 0)
	c.factory = factory
	if _, err := v.watch(factory, []*meta.RESTMapping{nsMapping, npMapping, telMapping}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	factory.Start(ctx.Done())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
	return v
}

// results lists every report's results as "namespace: result policy rule".
func results(set reportSet) (out []string) {
	add := func(ns string, rs []orv1alpha1.ReportResult) {
		for _, r := range rs {
			out = append(out, ns+": "+string(r.Result)+" "+r.Policy+" "+r.Rule)
		}
	}
	for ns, r := range set.namespaced {
		add(ns, r.Results)
	}
	if set.cluster != nil {
		add("", set.cluster.Results)
	}
	return out
}

func has(rs []string, prefix string) bool {
	for _, r := range rs {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return false
}

func TestBackgroundUnreadableKind(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	igr805 := "shop: warn IGR805"
	for desc, tc := range map[string]struct {
		resource    string
		err         error
		syncTimeout time.Duration
		// minWait: a transient error is retried until SyncTimeout.
		minWait    time.Duration
		wantErrors []string // kinds named as errors in every report
		want805    bool
		wantLogs   int
		wantInMsg  string
	}{
		"every kind listed: reports as before, no error": {want805: true},
		"NetworkPolicy forbidden: named in every report, IGR805 does not conclude from its absence, no wait": {
			resource: "networkpolicies", err: forbidden("networkpolicies"), syncTimeout: time.Minute,
			wantErrors: []string{"NetworkPolicy.networking.k8s.io"}, wantLogs: 1,
			wantInMsg: `grant the verbs list and watch on networkpolicies.networking.k8s.io`},
		"Telemetry forbidden: named, and the cross-object rules, which do not read it, still judge": {
			resource: "telemetries", err: forbidden("telemetries"), syncTimeout: time.Minute,
			wantErrors: []string{"Telemetry.telemetry.istio.io"}, want805: true, wantLogs: 1,
			wantInMsg: `resources ["telemetries"], verbs [list, watch]`},
		"NetworkPolicy list failing transiently: retried until SyncTimeout, then named": {
			resource: "networkpolicies", err: apierrors.NewInternalError(errors.New("etcd leader changed")), syncTimeout: 2 * time.Second,
			minWait: 2 * time.Second, wantErrors: []string{"NetworkPolicy.networking.k8s.io"}, wantLogs: 1, wantInMsg: "etcd leader changed"},
	} {
		t.Run(desc, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			reg := prometheus.NewRegistry()
			lists := newListMetrics(reg)
			c := &fakeCluster{resource: tc.resource}
			if tc.err != nil {
				c.failing.Store(&tc.err)
			}
			v := c.start(t, BackgroundOptions{Decode: manifest.FromJSON, Log: zap.New(core), SyncTimeout: tc.syncTimeout, MaxResults: 50}, lists)
			begin := time.Now()
			if err := v.waitForLists(t.Context()); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(begin); took < tc.minWait || took > tc.minWait+10*time.Second {
				t.Errorf("waited %s for the lists, want %s to %s", took, tc.minWait, tc.minWait+10*time.Second)
			}
			if tc.err != nil { // a second failed list: counted again, still logged once
				waitFor(t, func() bool { return testutil.ToFloat64(lists.errors.WithLabelValues(tc.wantErrors[0])) >= 2 })
			}
			set := v.evaluate(eng)
			got := results(set)
			if has(got, igr805) != tc.want805 {
				t.Errorf("IGR805 on shop reported: %v, want %v; results %q", has(got, igr805), tc.want805, got)
			}
			if len(tc.wantErrors) > 0 && set.cluster == nil {
				t.Fatalf("no ClusterReport to name the unreadable kinds; results %q", got)
			}
			var reps []orv1alpha1.ReportSummary
			var resultsOf [][]orv1alpha1.ReportResult
			for _, r := range set.namespaced {
				reps, resultsOf = append(reps, r.Summary), append(resultsOf, r.Results)
			}
			if set.cluster != nil {
				reps, resultsOf = append(reps, set.cluster.Summary), append(resultsOf, set.cluster.Results)
			}
			for i := range reps {
				if reps[i].Error != len(tc.wantErrors) {
					t.Errorf("report %d: summary error %d, want %d", i, reps[i].Error, len(tc.wantErrors))
				}
				for j, kind := range tc.wantErrors {
					if j >= len(resultsOf[i]) {
						t.Fatalf("report %d has %d results, want the error on %s first", i, len(resultsOf[i]), kind)
					}
					r := resultsOf[i][j]
					if r.Result != resultError || r.Policy != PolicyListError || r.Rule != kind ||
						!strings.Contains(r.Properties["remediation"]+r.Description, tc.wantInMsg) {
						t.Errorf("report %d result %d = %+v, want the error on %s mentioning %q", i, j, r, kind, tc.wantInMsg)
					}
				}
			}
			if n := logs.FilterField(zap.String("kind", firstOr(tc.wantErrors))).Len(); len(tc.wantErrors) > 0 && n != tc.wantLogs {
				t.Errorf("%d log entries on %s, want %d: %v", n, firstOr(tc.wantErrors), tc.wantLogs, logs.All())
			}
			if len(tc.wantErrors) > 0 {
				e := logs.FilterField(zap.String("kind", tc.wantErrors[0])).All()
				if len(e) > 0 && !strings.Contains(e[0].ContextMap()["fix"].(string)+e[0].ContextMap()["error"].(string), tc.wantInMsg) {
					t.Errorf("the log entry %v does not mention %q", e[0].ContextMap(), tc.wantInMsg)
				}
			}
			if tc.err == nil {
				if n := testutil.CollectAndCount(lists.errors); n != 0 {
					t.Errorf("%d list error series, want none", n)
				}
				if logs.Len() != 0 {
					t.Errorf("warnings logged: %v", logs.All())
				}
				return
			}
			// The kind becomes readable (RBAC fixed): the informer lists it
			// at its next retry and the next evaluation is complete again.
			c.failing.Store(nil)
			waitFor(t, func() bool { return v.unlisted() == 0 })
			got = results(v.evaluate(eng))
			if !has(got, igr805) || has(got, ": error ") {
				t.Errorf("after the kind became readable: results %q, want IGR805 on shop and no error", got)
			}
		})
	}
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// waitFor polls cond for at most 20s (the reflector retries with backoff).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
	}
}

func TestKindErrorsLogOncePerKindAndCount(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	lists := newListMetrics(prometheus.NewRegistry())
	k := newKindErrors(zap.New(core), lists)
	np, tel := npMapping.GroupVersionKind.GroupKind().String(), telMapping.GroupVersionKind.GroupKind().String()
	steps := []struct {
		m             *meta.RESTMapping
		err           error
		wantLogs      int
		wantNP        float64
		wantPersisted bool
	}{
		{npMapping, apierrors.NewServiceUnavailable("etcd"), 1, 1, false}, // transient: logged (warn), counted
		{npMapping, apierrors.NewTimeoutError("slow", 1), 1, 2, false},    // again: counted, not logged
		{npMapping, forbidden("networkpolicies"), 2, 3, true},             // refused now: logged once more (error)
		{npMapping, forbidden("networkpolicies"), 2, 4, true},             // and not again
		{npMapping, io.EOF, 2, 4, true},                                   // a watch closing: not an error
		{npMapping, apierrors.NewResourceExpired("too old"), 2, 4, true},  // a watch expiring: not an error
		{telMapping, forbidden("telemetries"), 3, 4, true},                // another kind: its own log
	}
	for i, s := range steps {
		k.observe(s.m, "", s.err)
		if logs.Len() != s.wantLogs {
			t.Errorf("step %d: %d log entries, want %d: %v", i, logs.Len(), s.wantLogs, logs.All())
		}
		if got := testutil.ToFloat64(lists.errors.WithLabelValues(np)); got != s.wantNP {
			t.Errorf("step %d: %s counted %v, want %v", i, np, got, s.wantNP)
		}
		if e, _ := k.get(s.m.GroupVersionKind.GroupKind().String()); e.persistent != s.wantPersisted {
			t.Errorf("step %d: last error persistent %v, want %v", i, e.persistent, s.wantPersisted)
		}
	}
	if all := logs.All(); len(all) == 3 && (all[0].Level != zapcore.WarnLevel || all[1].Level != zapcore.ErrorLevel ||
		all[2].ContextMap()["kind"] != tel) {
		t.Errorf("log levels/kinds %v, want warn (transient), error (Forbidden), then Telemetry's", all)
	}
}

// TestBackgroundWatchesKindsServedLater: a kind the server starts serving
// after the leader's first discovery (its CRD installed later: Istio after
// the guardrail) is watched from the next discovery on, and its objects are
// judged: here a NetworkPolicy in shop ends IGR805's finding there, which
// stood while the kind was not served.
func TestBackgroundWatchesKindsServedLater(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	shop := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "shop", "uid": "u-shop", "resourceVersion": "1", "labels": map[string]any{"istio-injection": "enabled"}}}}
	np := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": map[string]any{"name": "default-deny", "namespace": "shop", "uid": "u-np", "resourceVersion": "2"},
		"spec":     map[string]any{"podSelector": map[string]any{}, "policyTypes": []any{"Ingress"}}}}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		nsMapping.Resource: "NamespaceList", npMapping.Resource: "NetworkPolicyList"}, shop, np)
	resources := func(lists ...*metav1.APIResourceList) *discoveryfake.FakeDiscovery {
		return &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{Resources: lists}}
	}
	verbs := metav1.Verbs{"get", "list", "watch"}
	core := &metav1.APIResourceList{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "namespaces", Kind: "Namespace", Verbs: verbs}}}
	networking := &metav1.APIResourceList{GroupVersion: "networking.k8s.io/v1", APIResources: []metav1.APIResource{
		{Name: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true, Verbs: verbs}}}

	v := newView(BackgroundOptions{Engine: func() *policy.Engine { return eng }, Decode: manifest.FromJSON, MaxResults: 50}.withDefaults(),
		newListMetrics(prometheus.NewRegistry()))
	factory := dynamicinformer.NewDynamicSharedInformerFactory(client, 0)
	t.Cleanup(factory.Shutdown)
	if n := v.watchNew(t.Context(), resources(core), factory); n != 1 {
		t.Fatalf("first discovery: %d kinds watched, want 1 (Namespace)", n)
	}
	if got := results(v.evaluate(eng)); !has(got, "shop: warn IGR805") {
		t.Fatalf("NetworkPolicies not served: results %q, want IGR805 on shop", got)
	}
	later := resources(core, networking)
	if n := v.watchNew(t.Context(), later, factory); n != 1 {
		t.Fatalf("NetworkPolicies served since: %d kinds added, want 1", n)
	}
	if n := v.watchNew(t.Context(), later, factory); n != 0 {
		t.Fatalf("nothing new served: %d kinds added, want 0", n)
	}
	if got := results(v.evaluate(eng)); has(got, "shop: warn IGR805") || has(got, ": error ") {
		t.Errorf("after the NetworkPolicy kind is watched: results %q, want neither IGR805 on shop nor an error", got)
	}
}

// TestBackgroundRetiresKindsNoLongerServed: a kind uninstalled on purpose
// (its CRD deleted) is neither judged from the informer's stale cache nor
// named as an error once discovery no longer serves it; served again, it is
// judged again.
func TestBackgroundRetiresKindsNoLongerServed(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCluster{}
	lists := newListMetrics(prometheus.NewRegistry())
	v := c.start(t, BackgroundOptions{Engine: func() *policy.Engine { return eng }, Decode: manifest.FromJSON, MaxResults: 50}, lists)
	telErrors := func() float64 {
		return testutil.ToFloat64(lists.errors.WithLabelValues("Telemetry.telemetry.istio.io"))
	}
	if err := v.waitForLists(t.Context()); err != nil {
		t.Fatal(err)
	}
	verbs := metav1.Verbs{"get", "list", "watch"}
	core := &metav1.APIResourceList{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "namespaces", Kind: "Namespace", Verbs: verbs}}}
	networking := &metav1.APIResourceList{GroupVersion: "networking.k8s.io/v1", APIResources: []metav1.APIResource{
		{Name: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true, Verbs: verbs}}}
	telemetry := &metav1.APIResourceList{GroupVersion: "telemetry.istio.io/v1", APIResources: []metav1.APIResource{
		{Name: "telemetries", Kind: "Telemetry", Namespaced: true, Verbs: verbs}}}
	discover := func(lists ...*metav1.APIResourceList) int {
		return v.watchNew(t.Context(), &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{Resources: lists}}, c.factory)
	}
	np := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": map[string]any{"name": "default-deny", "namespace": "shop", "uid": "u-np", "resourceVersion": "2"},
		"spec":     map[string]any{"podSelector": map[string]any{}, "policyTypes": []any{"Ingress"}}}}
	if _, err := c.client.Resource(npMapping.Resource).Namespace("shop").Create(t.Context(), np, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !has(results(v.evaluate(eng)), "shop: warn IGR805") })
	if n := discover(core, networking, telemetry); n != 0 {
		t.Fatalf("discovery serving every watched kind: %d changes, want 0", n)
	}
	// The Telemetry CRD is deleted: what the reflector's watch error handler
	// does when the list after the closed watch is answered NotFound.
	for _, i := range v.informers {
		if i.m == telMapping {
			v.listError(telMapping, i.inf.LastSyncResourceVersion(),
				apierrors.NewNotFound(schema.GroupResource{Group: "telemetry.istio.io", Resource: "telemetries"}, ""))
		}
	}
	if n := telErrors(); n != 1 {
		t.Fatalf("the Telemetry list error while still served counted %v times, want 1", n)
	}
	if got := results(v.evaluate(eng)); !has(got, "shop: error ") {
		t.Fatalf("Telemetry refused while still discovered: results %q, want it named as an error", got)
	}
	if n := discover(core, networking); n != 1 {
		t.Fatalf("Telemetry no longer served: %d changes, want 1", n)
	}
	if got := results(v.evaluate(eng)); has(got, "shop: error ") || v.unlisted() != 0 {
		t.Errorf("Telemetry uninstalled: results %q, unlisted %d, want no error", got, v.unlisted())
	}
	// The retired informer's retries are neither counted nor recorded.
	before := telErrors()
	v.listError(telMapping, "", apierrors.NewNotFound(schema.GroupResource{Group: "telemetry.istio.io", Resource: "telemetries"}, ""))
	if after := telErrors(); after != before {
		t.Errorf("a retired kind's list error counted: %v -> %v", before, after)
	}
	// NetworkPolicies no longer served: the cached one no longer counts, and
	// IGR805 concludes from their absence.
	if n := discover(core); n != 1 {
		t.Fatalf("NetworkPolicy no longer served: %d changes, want 1", n)
	}
	if got := results(v.evaluate(eng)); !has(got, "shop: warn IGR805") || has(got, "shop: error ") {
		t.Errorf("NetworkPolicy not served: results %q, want IGR805 on shop and no error", got)
	}
	if n := discover(core, networking, telemetry); n != 2 {
		t.Fatalf("both served again: %d changes, want 2", n)
	}
	if got := results(v.evaluate(eng)); has(got, "shop: warn IGR805") {
		t.Errorf("NetworkPolicy served again: results %q, want its policy judged (no IGR805 on shop)", got)
	}
}

// TestBackgroundKindRefusedAfterItsList: a kind listed once and refused
// since (the ClusterRole lost it) is not judged from the informer's stale
// cache: it is named as an error, and IGR805 no longer concludes from the
// cached NetworkPolicies; once the informer receives anything again, the
// kind is judged again.
func TestBackgroundKindRefusedAfterItsList(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCluster{}
	v := c.start(t, BackgroundOptions{Decode: manifest.FromJSON, MaxResults: 50}, newListMetrics(prometheus.NewRegistry()))
	if err := v.waitForLists(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := results(v.evaluate(eng)); !has(got, "shop: warn IGR805") || has(got, ": error ") {
		t.Fatalf("every kind listed: results %q, want IGR805 on shop and no error", got)
	}
	var np informerOf
	for _, i := range v.informers {
		if i.m == npMapping {
			np = i
		}
	}
	// What the reflector's watch error handler does when the list after a
	// closed watch is refused.
	v.errs.observe(npMapping, np.inf.LastSyncResourceVersion(), forbidden("networkpolicies"))
	got := results(v.evaluate(eng))
	if !strings.Contains(strings.Join(got, "\n"), "error "+PolicyListError+" NetworkPolicy.networking.k8s.io") || has(got, "shop: warn IGR805") {
		t.Errorf("NetworkPolicies refused after their list: results %q, want the kind named as an error and no IGR805 conclusion", got)
	}
	if v.unlisted() != 1 {
		t.Errorf("unlisted = %d, want 1", v.unlisted())
	}
	// The informer hears from the server again (RBAC restored): a new
	// resource version, and the kind is judged again.
	add := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": map[string]any{"name": "elsewhere", "namespace": "other", "uid": "u-np", "resourceVersion": "7"},
		"spec":     map[string]any{"podSelector": map[string]any{}}}}
	if _, err := c.client.Resource(npMapping.Resource).Namespace("other").Create(t.Context(), add, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return v.unlisted() == 0 })
	if got := results(v.evaluate(eng)); !has(got, "shop: warn IGR805") || has(got, ": error ") {
		t.Errorf("after the kind was heard from again: results %q, want IGR805 on shop and no error", got)
	}
}
