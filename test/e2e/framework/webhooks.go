package framework

import (
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Webhook names inside the configurations, shared with the Helm chart.
const (
	ValidatingWebhookName = "validate.istio-guardrail.io"
	MutatingWebhookName   = "mutate.istio-guardrail.io"
	ValidatePath          = "/validate"
	MutatePath            = "/mutate"
	// webhookTimeoutSeconds stays well under the API server's 10s default.
	webhookTimeoutSeconds int32 = 5
)

// WebhookOptions selects what differs between installations; everything else
// is fixed and identical to what the Helm chart ships.
type WebhookOptions struct {
	// Name of both the Validating- and the MutatingWebhookConfiguration
	// (serve --webhook-config-name).
	Name string
	// Namespace is the guardrail's own namespace, excluded from both webhooks.
	Namespace string
	// CABundle is the PEM CA that signed the serving certificate (may be empty
	// for self-managed mode, which patches it in).
	CABundle []byte
	// URL is the base URL ("https://127.0.0.1:9443") for out-of-cluster
	// servers. When empty, Service is used.
	URL string
	// Service is the in-cluster Service (Path is set per webhook).
	Service *admissionregistrationv1.ServiceReference
	// IstioOperators adds install.istio.io istiooperators to the validating
	// rules (only when the API server serves that CRD).
	IstioOperators bool
	// MutateNamespaces sends Namespace CREATE to the mutating webhook (IGR904).
	MutateNamespaces bool
	// MutateWorkloads sends workload CREATE/UPDATE to the mutating webhook.
	MutateWorkloads bool
	// ControlPlaneNamespaces are validated for Pods and workloads by name
	// although not injected (the chart's mesh root and mesh-config
	// namespaces); empty means istio-system, the chart's default.
	ControlPlaneNamespaces []string
	// MeshConfigNamespaces registers the chart's mesh-config entry: ConfigMap
	// CREATE and UPDATE from these namespaces only (the chart's
	// webhook.meshConfig.namespaces, [istio-system] by default), failurePolicy
	// Ignore. Empty: not registered (webhook.meshConfig.enabled=false).
	MeshConfigNamespaces []string
}

// WebhookConfigurations builds the validating and mutating configurations
// with the settings the chart ships: sideEffects None, admissionReviewVersions
// [v1], matchPolicy Equivalent, timeoutSeconds 5, validating failurePolicy
// Fail, mutating Ignore with reinvocationPolicy IfNeeded, and namespace
// selectors excluding kube-system, kube-node-lease and the guardrail's own
// namespace by kubernetes.io/metadata.name. As in the chart, Pods and
// workloads have their own entries that only match mesh namespaces
// (istio-injection=enabled; istio.io/rev without istio-injection) and, for
// validation, the control-plane namespaces by name; ConfigMaps only the
// mesh-config namespaces by name (MeshConfigNamespaces); Namespaces and Istio
// kinds are matched cluster-wide. The chart's DELETE entries for the anchors
// (IGR810) are registered by the posture tests that need them.
func WebhookConfigurations(o WebhookOptions) (*admissionregistrationv1.ValidatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfiguration) {
	validating := func(name string, sel *metav1.LabelSelector, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            clientConfig(o, ValidatePath),
			Rules:                   rules,
			FailurePolicy:           ptr(admissionregistrationv1.Fail),
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			NamespaceSelector:       sel,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(webhookTimeoutSeconds),
			AdmissionReviewVersions: []string{"v1"},
		}
	}
	mutating := func(name string, sel *metav1.LabelSelector, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.MutatingWebhook {
		return admissionregistrationv1.MutatingWebhook{
			Name:                    name,
			ClientConfig:            clientConfig(o, MutatePath),
			Rules:                   rules,
			FailurePolicy:           ptr(admissionregistrationv1.Ignore),
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			NamespaceSelector:       sel,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(webhookTimeoutSeconds),
			AdmissionReviewVersions: []string{"v1"},
			ReinvocationPolicy:      ptr(admissionregistrationv1.IfNeededReinvocationPolicy),
		}
	}
	cp := o.ControlPlaneNamespaces
	if len(cp) == 0 {
		cp = []string{"istio-system"}
	}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: o.Name},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{validating(ValidatingWebhookName, namespaceSelector(o.Namespace), validatingRules(o.IstioOperators))},
	}
	ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	podRules := append([]admissionregistrationv1.RuleWithOperations{rule(ops, "", "pods", "pods/ephemeralcontainers")}, workloadRules(ops)...)
	for _, m := range meshSelectors(o.Namespace) {
		vwc.Webhooks = append(vwc.Webhooks, validating(m.name+".workloads."+ValidatingWebhookName, m.selector, podRules))
	}
	vwc.Webhooks = append(vwc.Webhooks, validating("ambient.workloads."+ValidatingWebhookName, ambientSelector(o.Namespace), podRules))
	vwc.Webhooks = append(vwc.Webhooks, validating("controlplane.workloads."+ValidatingWebhookName,
		controlPlaneSelector(o.Namespace, cp), podRules))
	if len(o.MeshConfigNamespaces) > 0 {
		// istiod writes ConfigMaps in its namespace and must not depend on
		// the guardrail: fail open, as the chart.
		mc := validating("meshconfig."+ValidatingWebhookName, controlPlaneSelector(o.Namespace, o.MeshConfigNamespaces),
			[]admissionregistrationv1.RuleWithOperations{rule(ops, "", "configmaps")})
		mc.Rules[0].Scope = ptr(admissionregistrationv1.NamespacedScope)
		mc.FailurePolicy = ptr(admissionregistrationv1.Ignore)
		vwc.Webhooks = append(vwc.Webhooks, mc)
	}

	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: o.Name}}
	if o.MutateNamespaces {
		create := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
		mwc.Webhooks = append(mwc.Webhooks, mutating(MutatingWebhookName, namespaceSelector(o.Namespace),
			[]admissionregistrationv1.RuleWithOperations{rule(create, "", "namespaces")}))
	}
	for _, m := range meshSelectors(o.Namespace) {
		mwc.Webhooks = append(mwc.Webhooks, mutating(m.name+".workloads."+MutatingWebhookName, m.selector, mutatingRules(o)))
	}
	return vwc, mwc
}

// validatingRules lists every kind the rule catalogue covers cluster-wide
// (Pods and workloads have their own entries), CREATE and UPDATE, in the
// order of the chart's template.
func validatingRules(istioOperators bool) []admissionregistrationv1.RuleWithOperations {
	ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	rules := []admissionregistrationv1.RuleWithOperations{
		rule(ops, "security.istio.io", "peerauthentications", "requestauthentications", "authorizationpolicies"),
		rule(ops, "networking.istio.io", "destinationrules", "gateways", "sidecars", "virtualservices", "envoyfilters", "serviceentries", "proxyconfigs"),
	}
	rules = append(rules, meshAPIRules(ops)...)
	if istioOperators {
		rules = append(rules, rule(ops, "install.istio.io", "istiooperators"))
	}
	return append(rules,
		rule(ops, "cert-manager.io", "certificates"),
		rule(ops, "", "namespaces"))
}

// mutatingRules of the mesh entries: Pods on CREATE always; workloads as opted in.
func mutatingRules(o WebhookOptions) []admissionregistrationv1.RuleWithOperations {
	create := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
	rules := []admissionregistrationv1.RuleWithOperations{rule(create, "", "pods")}
	if o.MutateWorkloads {
		rules = append(rules, workloadRules([]admissionregistrationv1.OperationType{
			admissionregistrationv1.Create, admissionregistrationv1.Update})...)
	}
	return rules
}

// meshSelectors select the namespaces Istio's injector injects, each with the
// exclusions by name: istio-injection=enabled, or istio.io/rev set and no
// istio-injection label (which wins over the revision label).
func meshSelectors(own string) []struct {
	name     string
	selector *metav1.LabelSelector
} {
	excluded := namespaceSelector(own).MatchExpressions[0]
	return []struct {
		name     string
		selector *metav1.LabelSelector
	}{
		{"injection", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "istio-injection", Operator: metav1.LabelSelectorOpIn, Values: []string{"enabled"}}, excluded}}},
		{"revision", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "istio.io/rev", Operator: metav1.LabelSelectorOpExists},
			{Key: "istio-injection", Operator: metav1.LabelSelectorOpDoesNotExist}, excluded}}},
	}
}

// controlPlaneSelector selects the named namespaces, with the exclusions.
func controlPlaneSelector(own string, names []string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: names},
		namespaceSelector(own).MatchExpressions[0]}}
}

// workloadRules covers every kind with a pod template.
func workloadRules(ops []admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{
		rule(ops, "apps", "deployments", "statefulsets", "daemonsets", "replicasets"),
		rule(ops, "batch", "jobs", "cronjobs"),
	}
}

func rule(ops []admissionregistrationv1.OperationType, group string, resources ...string) admissionregistrationv1.RuleWithOperations {
	return admissionregistrationv1.RuleWithOperations{
		Operations: ops,
		Rule: admissionregistrationv1.Rule{
			APIGroups:   []string{group},
			APIVersions: []string{"*"},
			Resources:   resources,
			Scope:       ptr(admissionregistrationv1.AllScopes),
		},
	}
}

// namespaceSelector excludes the namespaces that must never depend on the
// webhook, by the label only the API server can set.
func namespaceSelector(own string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key:      "kubernetes.io/metadata.name",
		Operator: metav1.LabelSelectorOpNotIn,
		Values:   []string{"kube-system", "kube-node-lease", own},
	}}}
}

func clientConfig(o WebhookOptions, path string) admissionregistrationv1.WebhookClientConfig {
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: o.CABundle}
	if o.URL != "" {
		cc.URL = ptr(o.URL + path)
		return cc
	}
	if o.Service != nil {
		svc := *o.Service
		svc.Path = ptr(path)
		cc.Service = &svc
	}
	return cc
}

func ptr[T any](v T) *T { return &v }

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
