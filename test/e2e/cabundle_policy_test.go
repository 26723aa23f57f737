package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// vapMessage is the part of the chart's webhook-field validation message
// that every refused change must carry.
const vapMessage = "may only change webhooks[*].clientConfig.caBundle"

// TestCABundleVAPLimitsServiceAccountToCABundle installs the chart in its
// self-managed mode (the server injects the caBundle, so its ServiceAccount
// may update its own webhook configurations) and checks, on the real API
// server, that the chart's ValidatingAdmissionPolicies let that identity
// change the caBundle and nothing else, while the administrator is untouched.
func TestCABundleVAPLimitsServiceAccountToCABundle(t *testing.T) {
	c := chartInstall{release: "vap", namespace: "guardrail-chart-vap"}
	// Validation fails open: no server runs behind this release, and the
	// other tests must not depend on it. failurePolicy Ignore is also a
	// value the test can try to change.
	c.install(t, "webhook.failurePolicy=Ignore")
	c.requireAllObjectsStored(t, "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")

	as := clientAs(t, impersonatingKubeconfig(t, c.serviceAccount()))
	vwcs := as.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	mwcs := as.AdmissionregistrationV1().MutatingWebhookConfigurations()
	ctx := t.Context()

	// Each change is made to the stored object; dryRun changes nothing
	// (admission policies judge dry runs as they judge real writes).
	updateVOpts := func(opts metav1.UpdateOptions, change func(*admissionregistrationv1.ValidatingWebhookConfiguration)) error {
		v, err := vwcs.Get(ctx, c.fullname(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		change(v)
		_, err = vwcs.Update(ctx, v, opts)
		return err
	}
	updateMOpts := func(opts metav1.UpdateOptions, change func(*admissionregistrationv1.MutatingWebhookConfiguration)) error {
		m, err := mwcs.Get(ctx, c.fullname(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		change(m)
		_, err = mwcs.Update(ctx, m, opts)
		return err
	}
	updateV := func(change func(*admissionregistrationv1.ValidatingWebhookConfiguration)) error {
		return updateVOpts(metav1.UpdateOptions{}, change)
	}
	updateM := func(change func(*admissionregistrationv1.MutatingWebhookConfiguration)) error {
		return updateMOpts(metav1.UpdateOptions{}, change)
	}
	dryRun := metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}
	failClosed := func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
		v.Webhooks[0].FailurePolicy = ptrTo(admissionregistrationv1.Fail)
	}
	failClosedM := func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
		m.Webhooks[0].FailurePolicy = ptrTo(admissionregistrationv1.Fail)
	}

	// The API server enforces a new policy once its informers have loaded
	// it and its binding: probe with dry runs until both kinds are refused.
	for kind, try := range map[string]func() error{
		"ValidatingWebhookConfiguration": func() error { return updateVOpts(dryRun, failClosed) },
		"MutatingWebhookConfiguration":   func() error { return updateMOpts(dryRun, failClosedM) },
	} {
		err := framework.Poll(ctx, 15*time.Second, 200*time.Millisecond, func(context.Context) error {
			if err := try(); !refusedByPolicy(err) {
				return fmt.Errorf("not refused yet: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the %s policy never took effect; last update as %s: %v", kind, c.serviceAccount(), err)
		}
	}

	bundle := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
		for i := range v.Webhooks {
			v.Webhooks[i].ClientConfig.CABundle = bundle
		}
	}); err != nil {
		t.Errorf("changing only the caBundle of the ValidatingWebhookConfiguration is refused: %v", err)
	}
	if err := updateM(func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
		for i := range m.Webhooks {
			m.Webhooks[i].ClientConfig.CABundle = bundle
		}
	}); err != nil {
		t.Errorf("changing only the caBundle of the MutatingWebhookConfiguration is refused: %v", err)
	}

	attackerURL := "https://attacker.example.com/validate"
	refused := map[string]error{
		"ValidatingWebhookConfiguration: failurePolicy Ignore -> Fail": updateV(failClosed),
		"ValidatingWebhookConfiguration: service -> URL": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].ClientConfig.Service = nil
			v.Webhooks[0].ClientConfig.URL = &attackerURL
		}),
		"ValidatingWebhookConfiguration: service path": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			requireService(t, v.Webhooks[0].ClientConfig)
			v.Webhooks[0].ClientConfig.Service.Path = ptrTo("/mutate")
		}),
		"ValidatingWebhookConfiguration: service name": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			requireService(t, v.Webhooks[0].ClientConfig)
			v.Webhooks[0].ClientConfig.Service.Name = "elsewhere"
		}),
		"ValidatingWebhookConfiguration: a rule for Secrets": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].Rules = append(v.Webhooks[0].Rules, secretsRule())
		}),
		"ValidatingWebhookConfiguration: namespaceSelector": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{}
		}),
		"ValidatingWebhookConfiguration: a webhook removed": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks = v.Webhooks[1:]
		}),
		"ValidatingWebhookConfiguration: webhooks reordered": updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0], v.Webhooks[1] = v.Webhooks[1], v.Webhooks[0]
		}),
		"MutatingWebhookConfiguration: failurePolicy Ignore -> Fail": updateM(failClosedM),
		"MutatingWebhookConfiguration: service -> URL": updateM(func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
			m.Webhooks[0].ClientConfig.Service = nil
			m.Webhooks[0].ClientConfig.URL = &attackerURL
		}),
		"MutatingWebhookConfiguration: a rule for Secrets": updateM(func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
			m.Webhooks[0].Rules = append(m.Webhooks[0].Rules, secretsRule())
		}),
		"MutatingWebhookConfiguration: reinvocationPolicy": updateM(func(m *admissionregistrationv1.MutatingWebhookConfiguration) {
			m.Webhooks[0].ReinvocationPolicy = ptrTo(admissionregistrationv1.NeverReinvocationPolicy)
		}),
	}
	for what, err := range refused {
		if !refusedByPolicy(err) {
			t.Errorf("as %s, %s: want refused by the chart's policy (%q), got %v", c.serviceAccount(), what, vapMessage, err)
		}
	}
	if err := updateV(func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
		v.Labels["istio-guardrail.io/owned"] = "attacker"
	}); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "not its labels") {
		t.Errorf("as %s, a new label: want refused by the chart's policy, got %v", c.serviceAccount(), err)
	}

	// Nothing was changed but the caBundle.
	v, err := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, c.fullname(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := v.Webhooks[0]; *w.FailurePolicy != admissionregistrationv1.Ignore || w.ClientConfig.Service == nil || string(w.ClientConfig.CABundle) != string(bundle) {
		t.Errorf("stored webhook changed beyond the caBundle: %+v", w)
	}

	// The policy binds the ServiceAccount only: the administrator (helm
	// upgrades, the tests' own pointWebhooksAt) may change anything.
	admin := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	v.Webhooks[0].FailurePolicy = ptrTo(admissionregistrationv1.Fail)
	if _, err := admin.Update(ctx, v, metav1.UpdateOptions{}); err != nil {
		t.Errorf("the administrator cannot change failurePolicy: %v", err)
	}
}

// requireService stops the test if an earlier refused change was admitted.
func requireService(t *testing.T, cc admissionregistrationv1.WebhookClientConfig) {
	t.Helper()
	if cc.Service == nil {
		t.Fatalf("the webhook has no service any more: an earlier change was admitted: %+v", cc)
	}
}

// refusedByPolicy reports whether err is the chart's policy refusing a change
// of a webhook field.
func refusedByPolicy(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), vapMessage) &&
		strings.Contains(err.Error(), "ValidatingAdmissionPolicy")
}

func secretsRule() admissionregistrationv1.RuleWithOperations {
	return admissionregistrationv1.RuleWithOperations{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"},
			Scope: ptrTo(admissionregistrationv1.AllScopes)},
	}
}

// clientAs builds a clientset from a kubeconfig file.
func clientAs(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func ptrTo[T any](v T) *T { return &v }
