package webhooks

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// NamespaceCache is a policy.NamespaceLookup backed by a shared informer on
// Namespaces: rules read namespace labels from memory, never from an API
// call per request. Only names and labels are kept.
type NamespaceCache struct {
	factory  informers.SharedInformerFactory
	informer cache.SharedIndexInformer
	lister   corelisters.NamespaceLister
}

var _ policy.NamespaceLookup = (*NamespaceCache)(nil)

// NewNamespaceCache builds the cache; call Start to fill it.
func NewNamespaceCache(c kubernetes.Interface, resync time.Duration) *NamespaceCache {
	f := informers.NewSharedInformerFactory(c, resync)
	nsInformer := f.Core().V1().Namespaces()
	inf := nsInformer.Informer()
	_ = inf.SetTransform(slimNamespace) // only fails once started
	return &NamespaceCache{factory: f, informer: inf, lister: nsInformer.Lister()}
}

// Start runs the informer until ctx is done.
func (n *NamespaceCache) Start(ctx context.Context) {
	n.factory.Start(ctx.Done())
	<-ctx.Done()
	n.factory.Shutdown()
}

// Ready returns an error until the informer has synced.
func (n *NamespaceCache) Ready() error {
	if !n.informer.HasSynced() {
		return errNamespacesNotSynced
	}
	return nil
}

// NamespaceLabels implements policy.NamespaceLookup.
func (n *NamespaceCache) NamespaceLabels(name string) (map[string]string, bool) {
	ns, err := n.lister.Get(name)
	if err != nil {
		return nil, false
	}
	return ns.Labels, true
}

// slimNamespace drops everything but name and labels before caching.
func slimNamespace(obj any) (any, error) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return obj, nil
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns.Name, Labels: ns.Labels, ResourceVersion: ns.ResourceVersion, UID: ns.UID,
	}}, nil
}

// errNamespacesNotSynced is reported until the namespace informer has synced.
var errNamespacesNotSynced = errors.New("namespace cache not synced yet")
