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
	return errors.Join(
		injectValidating(ctx, c, name, ca),
		injectMutating(ctx, c, name, ca),
	)
}

func injectValidating(ctx context.Context, c kubernetes.Interface, name string, ca []byte) error {
	api := c.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !setBundles(len(cfg.Webhooks), func(i int) *admissionregistrationv1.WebhookClientConfig {
			return &cfg.Webhooks[i].ClientConfig
		}, ca) {
			return nil
		}
		_, err = api.Update(ctx, cfg, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("inject CA into ValidatingWebhookConfiguration %s: %w", name, err)
	}
	return nil
}

func injectMutating(ctx context.Context, c kubernetes.Interface, name string, ca []byte) error {
	api := c.AdmissionregistrationV1().MutatingWebhookConfigurations()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !setBundles(len(cfg.Webhooks), func(i int) *admissionregistrationv1.WebhookClientConfig {
			return &cfg.Webhooks[i].ClientConfig
		}, ca) {
			return nil
		}
		_, err = api.Update(ctx, cfg, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("inject CA into MutatingWebhookConfiguration %s: %w", name, err)
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
