package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// injectCABundle sets caBundle on every webhook of the Validating and
// Mutating webhook configurations called name. Configurations that do not
// exist (yet) are skipped; other objects are never touched.
func injectCABundle(ctx context.Context, c kubernetes.Interface, name string, ca []byte) error {
	if name == "" {
		return nil
	}
	adm := c.AdmissionregistrationV1()
	return errors.Join(
		inject(ctx, adm.ValidatingWebhookConfigurations(), "ValidatingWebhookConfiguration", name, ca,
			func(cfg *admissionregistrationv1.ValidatingWebhookConfiguration) (int, func(int) *admissionregistrationv1.WebhookClientConfig) {
				return len(cfg.Webhooks), func(i int) *admissionregistrationv1.WebhookClientConfig { return &cfg.Webhooks[i].ClientConfig }
			}),
		inject(ctx, adm.MutatingWebhookConfigurations(), "MutatingWebhookConfiguration", name, ca,
			func(cfg *admissionregistrationv1.MutatingWebhookConfiguration) (int, func(int) *admissionregistrationv1.WebhookClientConfig) {
				return len(cfg.Webhooks), func(i int) *admissionregistrationv1.WebhookClientConfig { return &cfg.Webhooks[i].ClientConfig }
			}),
	)
}

// webhookConfigAPI is the part of the typed client of a webhook
// configuration kind that injection needs (T is a pointer to the kind).
type webhookConfigAPI[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// inject sets ca on every client config of the configuration name, retrying
// on conflicts; a configuration that does not exist is not an error.
func inject[T any](ctx context.Context, api webhookConfigAPI[T], kind, name string, ca []byte,
	clientConfigs func(T) (int, func(int) *admissionregistrationv1.WebhookClientConfig)) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if n, at := clientConfigs(cfg); !setBundles(n, at, ca) {
			return nil
		}
		_, err = api.Update(ctx, cfg, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("inject CA into %s %s: %w", kind, name, err)
	}
	return nil
}

// setBundles sets ca on the n client configs and reports whether any changed.
func setBundles(n int, at func(int) *admissionregistrationv1.WebhookClientConfig, ca []byte) bool {
	changed := false
	for i := range n {
		cc := at(i)
		if !bytes.Equal(cc.CABundle, ca) {
			cc.CABundle = append([]byte(nil), ca...)
			changed = true
		}
	}
	return changed
}
