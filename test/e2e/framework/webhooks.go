package framework

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// WebhookOptions selects an installation of the chart's webhook
// configurations for a server outside the cluster. Everything else is what
// the chart renders: it is the only place the entries are written.
type WebhookOptions struct {
	// Name of both configurations (the chart's fullnameOverride; serve
	// --webhook-config-name).
	Name string
	// Namespace is the release namespace, excluded from every entry.
	Namespace string
	// URL is the server's base URL ("https://127.0.0.1:9443"): each entry
	// calls it on the path of the chart's Service client config. Empty, the
	// entries carry the path alone, for a caller that prefixes its own.
	URL string
	// CABundle is the PEM CA that signed the serving certificate (may be
	// empty for self-managed mode, which patches it in).
	CABundle []byte
	// Values are chart values (helm --set) applied after the framework's own,
	// anchors.enabled=false and webhook.meshConfig.enabled=false: the tests
	// that need the DELETE or the mesh-config entries turn them on.
	Values []string
}

// WebhookConfigurations renders the chart with helm for o and returns its
// validating and mutating configurations with every entry pointed at o.URL.
// The mutating one has no entries when the values turn it off.
func WebhookConfigurations(ctx context.Context, helm string, o WebhookOptions) (*admissionregistrationv1.ValidatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfiguration, error) {
	root, err := repo.Root()
	if err != nil {
		return nil, nil, err
	}
	values := append([]string{"fullnameOverride=" + o.Name, "anchors.enabled=false", "webhook.meshConfig.enabled=false"}, o.Values...)
	objs, err := HelmTemplate(ctx, helm, "guardrail", filepath.Join(root, "charts", "istio-guardrail"), o.Namespace, values)
	if err != nil {
		return nil, nil, err
	}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: o.Name}}
	for _, u := range objs {
		var into any
		switch u.GetKind() {
		case "ValidatingWebhookConfiguration":
			into = vwc
		case "MutatingWebhookConfiguration":
			into = mwc
		default:
			continue
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
			return nil, nil, fmt.Errorf("decode the chart's %s: %w", u.GetKind(), err)
		}
	}
	if len(vwc.Webhooks) == 0 {
		return nil, nil, fmt.Errorf("the chart rendered no validating webhooks with %v", values)
	}
	// Not a Helm release: no release labels, and no cert-manager CA
	// injection annotation (the test server's CA is o.CABundle).
	vwc.Labels, mwc.Labels, vwc.Annotations, mwc.Annotations = nil, nil, nil, nil
	for i := range vwc.Webhooks {
		if err := pointAt(&vwc.Webhooks[i].ClientConfig, o); err != nil {
			return nil, nil, err
		}
	}
	for i := range mwc.Webhooks {
		if err := pointAt(&mwc.Webhooks[i].ClientConfig, o); err != nil {
			return nil, nil, err
		}
	}
	return vwc, mwc, nil
}

// pointAt replaces the chart's Service client config by o.URL on its path.
func pointAt(cc *admissionregistrationv1.WebhookClientConfig, o WebhookOptions) error {
	if cc.Service == nil || cc.Service.Path == nil {
		return fmt.Errorf("the chart's client config %+v has no Service path", cc)
	}
	u := o.URL + *cc.Service.Path
	*cc = admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: o.CABundle}
	return nil
}

// ApplyWebhookConfigurations creates or replaces both configurations.
func ApplyWebhookConfigurations(ctx context.Context, cs kubernetes.Interface,
	vwc *admissionregistrationv1.ValidatingWebhookConfiguration, mwc *admissionregistrationv1.MutatingWebhookConfiguration) error {
	adm := cs.AdmissionregistrationV1()
	if err := upsert(ctx, adm.ValidatingWebhookConfigurations(), vwc.DeepCopy()); err != nil {
		return fmt.Errorf("apply validating webhook configuration %s: %w", vwc.Name, err)
	}
	if err := upsert(ctx, adm.MutatingWebhookConfigurations(), mwc.DeepCopy()); err != nil {
		return fmt.Errorf("apply mutating webhook configuration %s: %w", mwc.Name, err)
	}
	return nil
}

// object is a cluster-scoped object whose resourceVersion can be set.
type object interface {
	GetName() string
	GetResourceVersion() string
	SetResourceVersion(string)
}

// client is the subset of a typed cluster-scoped client that upsert needs.
type client[T object] interface {
	Get(ctx context.Context, name string, o metav1.GetOptions) (T, error)
	Create(ctx context.Context, obj T, o metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, o metav1.UpdateOptions) (T, error)
}

// upsert creates obj, or replaces the existing object of the same name.
func upsert[T object](ctx context.Context, c client[T], obj T) error {
	cur, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = c.Create(ctx, obj, metav1.CreateOptions{})
		return err
	case err != nil:
		return err
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// DeleteWebhookConfigurations deletes both configurations named name; absent
// ones are not an error.
func DeleteWebhookConfigurations(ctx context.Context, cs kubernetes.Interface, name string) error {
	errV := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, name, metav1.DeleteOptions{})
	errM := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, name, metav1.DeleteOptions{})
	var errs []error
	for _, err := range []error{errV, errM} {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete webhook configuration %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
