package audit

import (
	"context"
	"errors"
	"maps"
	"slices"

	orclient "github.com/openreports/reports-api/pkg/client/clientset/versioned"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// writer publishes report sets: it writes a report only when its content
// hash differs from the one published (read back from the cluster when a
// replica starts leading, so a new leader rewrites nothing that is current),
// deletes the Reports of namespaces without findings, and spaces writes out
// with a rate limiter.
type writer struct {
	client  orclient.Interface
	id      string
	limiter *rate.Limiter
	log     *zap.Logger
	// published maps "namespace" ("" for the ClusterReport) to the hash of
	// the report in the cluster.
	published map[string]string
}

func managedSelector() string { return LabelManagedBy + "=" + ReportSource }

// load reads the reports this audit wrote before (by any replica).
func (w *writer) load(ctx context.Context) error {
	w.published = map[string]string{}
	list, err := w.client.OpenreportsV1alpha1().Reports("").List(ctx, metav1.ListOptions{LabelSelector: managedSelector()})
	if err != nil {
		return err
	}
	for _, r := range list.Items {
		w.published[r.Namespace] = r.Annotations[AnnotationHash]
	}
	cl, err := w.client.OpenreportsV1alpha1().ClusterReports().Get(ctx, ReportName, metav1.GetOptions{})
	switch {
	case err == nil:
		w.published[""] = cl.Annotations[AnnotationHash]
	case !apierrors.IsNotFound(err):
		return err
	}
	return nil
}

// publish writes the set and returns the number of reports written and left unchanged.
func (w *writer) publish(ctx context.Context, set reportSet) (written, unchanged int, err error) {
	var errs []error
	for _, ns := range slices.Sorted(maps.Keys(set.namespaced)) {
		r := set.namespaced[ns]
		h := contentHash(r.Summary, r.Results)
		if w.published[ns] == h {
			unchanged++
			continue
		}
		if err := w.limiter.Wait(ctx); err != nil {
			return written, unchanged, err
		}
		w.stamp(&r.ObjectMeta, h)
		if err := upsert(ctx, w.client.OpenreportsV1alpha1().Reports(r.Namespace), r); err != nil {
			errs = append(errs, err)
			continue
		}
		w.published[ns] = h
		written++
	}
	if set.cluster != nil {
		h := contentHash(set.cluster.Summary, set.cluster.Results)
		if w.published[""] == h {
			unchanged++
		} else if err := w.limiter.Wait(ctx); err != nil {
			return written, unchanged, err
		} else {
			w.stamp(&set.cluster.ObjectMeta, h)
			if err := upsert(ctx, w.client.OpenreportsV1alpha1().ClusterReports(), set.cluster); err != nil {
				errs = append(errs, err)
			} else {
				w.published[""] = h
				written++
			}
		}
	}
	for _, ns := range slices.Sorted(maps.Keys(w.published)) {
		if _, keep := set.namespaced[ns]; keep || (ns == "" && set.cluster != nil) {
			continue
		}
		if err := w.limiter.Wait(ctx); err != nil {
			return written, unchanged, err
		}
		var err error
		if ns == "" {
			err = w.client.OpenreportsV1alpha1().ClusterReports().Delete(ctx, ReportName, metav1.DeleteOptions{})
		} else {
			err = w.client.OpenreportsV1alpha1().Reports(ns).Delete(ctx, ReportName, metav1.DeleteOptions{})
		}
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		delete(w.published, ns)
		written++
	}
	return written, unchanged, errors.Join(errs...)
}

func (w *writer) stamp(m *metav1.ObjectMeta, hash string) {
	m.Labels = map[string]string{LabelManagedBy: ReportSource}
	m.Annotations = map[string]string{AnnotationHash: hash, AnnotationWriter: w.id}
}

// reportClient is what upsert needs of the typed Report and ClusterReport clients.
type reportClient[T metav1.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// upsert creates obj, or updates it over the stored resourceVersion.
func upsert[T metav1.Object](ctx context.Context, c reportClient[T], obj T) error {
	cur, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.Create(ctx, obj, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// noRecorders is the event recorder provider of the leader election: the
// audit logs its leadership changes instead of writing Events.
type noRecorders struct{}

func (noRecorders) GetEventRecorderFor(string) record.EventRecorder { return &record.FakeRecorder{} }
func (noRecorders) GetEventRecorder(string) recorder.EventRecorder  { return &events.FakeRecorder{} }
