package audit

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// ObjectLister lists the objects of one kind on demand, decoded (the DELETE
// guard's look-ups). It is safe for concurrent use.
type ObjectLister struct {
	l      *lister
	mapper *restmapper.DeferredDiscoveryRESTMapper
	o      Options
}

// NewObjectLister builds an ObjectLister over cfg.
func NewObjectLister(cfg *rest.Config, decode Decoder) (*ObjectLister, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build the discovery client: %w", err)
	}
	l, err := newLister(cfg, 500)
	if err != nil {
		return nil, err
	}
	return &ObjectLister{l: l, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		o: Options{Decode: decode}}, nil
}

// List returns every object of kind in namespace ("" for all namespaces or
// a cluster-scoped kind). A kind the cluster does not serve has no objects.
func (ol *ObjectLister) List(ctx context.Context, kind policy.Kind, namespace string) ([]*policy.Object, error) {
	m, err := ol.mapper.RESTMapping(kind.GroupKind())
	if meta.IsNoMatchError(err) {
		ol.mapper.Reset() // a CRD installed since: look again next time
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*policy.Object
	err = ol.l.each(ctx, m, namespace, func(item []byte) error {
		obj, err := ol.o.decode(item)
		if err != nil {
			return err
		}
		out = append(out, obj)
		return nil
	})
	return out, err
}
