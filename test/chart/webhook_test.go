package chart

import (
	"slices"
	"sort"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// resourceKinds maps the webhook rules' group/resource to the engine's kinds.
var resourceKinds = map[string]policy.Kind{
	"security.istio.io/peerauthentications":     policy.KindPeerAuthentication,
	"security.istio.io/requestauthentications":  policy.KindRequestAuthentication,
	"security.istio.io/authorizationpolicies":   policy.KindAuthorizationPolicy,
	"networking.istio.io/destinationrules":      policy.KindDestinationRule,
	"networking.istio.io/gateways":              policy.KindGateway,
	"networking.istio.io/sidecars":              policy.KindSidecar,
	"networking.istio.io/virtualservices":       policy.KindVirtualService,
	"networking.istio.io/envoyfilters":          policy.KindEnvoyFilter,
	"networking.istio.io/proxyconfigs":          policy.KindProxyConfig,
	"networking.istio.io/serviceentries":        policy.KindServiceEntry,
	"install.istio.io/istiooperators":           policy.KindIstioOperator,
	"extensions.istio.io/wasmplugins":           policy.KindWasmPlugin,
	"telemetry.istio.io/telemetries":            policy.KindTelemetry,
	"gateway.networking.k8s.io/gateways":        policy.KindGatewayAPIGateway,
	"gateway.networking.k8s.io/listenersets":    policy.KindListenerSet,
	"gateway.networking.k8s.io/referencegrants": policy.KindReferenceGrant,
	"cert-manager.io/certificates":              policy.KindCertificate,
	"/namespaces":                               policy.KindNamespace,
	"/pods":                                     policy.KindPod,
	"/pods/ephemeralcontainers":                 policy.KindPod, // its requests carry the whole Pod
	"/configmaps":                               policy.KindConfigMap,
	"apps/deployments":                          policy.KindDeployment,
	"apps/statefulsets":                         policy.KindStatefulSet,
	"apps/daemonsets":                           policy.KindDaemonSet,
	"apps/replicasets":                          policy.KindReplicaSet,
	"batch/jobs":                                policy.KindJob,
	"batch/cronjobs":                            policy.KindCronJob,
	"policy/poddisruptionbudgets":               policy.KindPDB,
	"autoscaling/horizontalpodautoscalers":      policy.KindHPA,
}

// offlineKinds have no API resource: Helm values documents seen only by `check`.
var offlineKinds = map[policy.Kind]bool{policy.KindIstiodValues: true, policy.KindGatewayValues: true}

// webhooks renders values and returns both configurations.
func webhooks(t *testing.T, m *rendered) (*admissionregistrationv1.ValidatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfiguration) {
	t.Helper()
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	var mu admissionregistrationv1.MutatingWebhookConfiguration
	decodeInto(t, m, "ValidatingWebhookConfiguration", fullname, &v)
	decodeInto(t, m, "MutatingWebhookConfiguration", fullname, &mu)
	return &v, &mu
}

// common is what both kinds of webhook share.
type common struct {
	name              string
	clientConfig      admissionregistrationv1.WebhookClientConfig
	rules             []admissionregistrationv1.RuleWithOperations
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	matchPolicy       *admissionregistrationv1.MatchPolicyType
	namespaceSelector *metav1.LabelSelector
	objectSelector    *metav1.LabelSelector
	sideEffects       *admissionregistrationv1.SideEffectClass
	timeoutSeconds    *int32
	reviewVersions    []string
}

func allWebhooks(v *admissionregistrationv1.ValidatingWebhookConfiguration, m *admissionregistrationv1.MutatingWebhookConfiguration) []common {
	var out []common
	for _, w := range v.Webhooks {
		out = append(out, common{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector, w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions})
	}
	for _, w := range m.Webhooks {
		out = append(out, common{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector, w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions})
	}
	return out
}

// TestWebhookSettings checks the admission good practice on every webhook in
// every mode, and that the clientConfig reaches the chart's Service.
func TestWebhookSettings(t *testing.T) {
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			m := render(t, modes[mode])
			v, mu := webhooks(t, m)
			var svc corev1.Service
			decodeInto(t, m, "Service", fullname, &svc)
			for _, w := range allWebhooks(v, mu) {
				path := "/validate"
				if strings.HasSuffix(w.name, "mutate.istio-guardrail.io") {
					path = "/mutate"
				}
				checkCommon(t, w, path)
				checkService(t, w, &svc)
			}
			// Validating: cluster-wide, mesh config, Pods and workloads in
			// injection-, revision- and ambient-labelled namespaces and in the
			// control plane's, DELETE of the anchors (two, see anchors_test.go);
			// mutating: Namespaces, Pods in the two kinds of sidecar mesh namespace.
			if len(v.Webhooks) != 8 || len(mu.Webhooks) != 3 {
				t.Errorf("want 8 validating and 3 mutating webhooks, got %d and %d", len(v.Webhooks), len(mu.Webhooks))
			}
			wantFail := admissionregistrationv1.Fail
			if mode == "validation ignored" {
				wantFail = admissionregistrationv1.Ignore
			}
			for _, w := range v.Webhooks {
				if w.Name == "meshconfig.validate.istio-guardrail.io" || isAnchorsWebhook(w.Name) {
					continue
				}
				if fp := w.FailurePolicy; fp == nil || *fp != wantFail {
					t.Errorf("%s: failurePolicy = %v, want %s", w.Name, fp, wantFail)
				}
			}
			for _, mw := range mu.Webhooks {
				if mw.FailurePolicy == nil || *mw.FailurePolicy != admissionregistrationv1.Ignore {
					t.Errorf("%s: mutating failurePolicy = %v, want Ignore", mw.Name, mw.FailurePolicy)
				}
				if mw.ReinvocationPolicy == nil || *mw.ReinvocationPolicy != admissionregistrationv1.IfNeededReinvocationPolicy {
					t.Errorf("%s: mutating reinvocationPolicy = %v, want IfNeeded", mw.Name, mw.ReinvocationPolicy)
				}
			}
		})
	}
}

func checkCommon(t *testing.T, w common, wantPath string) {
	t.Helper()
	if w.sideEffects == nil || *w.sideEffects != admissionregistrationv1.SideEffectClassNone {
		t.Errorf("%s: sideEffects %v, want None", w.name, w.sideEffects)
	}
	if !slices.Equal(w.reviewVersions, []string{"v1"}) {
		t.Errorf("%s: admissionReviewVersions %v, want [v1]", w.name, w.reviewVersions)
	}
	if w.matchPolicy == nil || *w.matchPolicy != admissionregistrationv1.Equivalent {
		t.Errorf("%s: matchPolicy %v, want Equivalent", w.name, w.matchPolicy)
	}
	if w.timeoutSeconds == nil || *w.timeoutSeconds < 1 || *w.timeoutSeconds > 5 {
		t.Errorf("%s: timeoutSeconds %v, want 1..5", w.name, w.timeoutSeconds)
	}
	if w.objectSelector != nil && (len(w.objectSelector.MatchLabels) > 0 || len(w.objectSelector.MatchExpressions) > 0) {
		t.Errorf("%s: an objectSelector on labels users control would let them bypass the guardrail", w.name)
	}
	excluded := notIn(w.namespaceSelector)
	for _, ns := range []string{"kube-system", "kube-node-lease", namespace} {
		if !excluded[ns] {
			t.Errorf("%s: namespace %s is not excluded by kubernetes.io/metadata.name NotIn (selector %v)", w.name, ns, w.namespaceSelector)
		}
	}
	if s := w.clientConfig.Service; s == nil || s.Path == nil || *s.Path != wantPath {
		t.Errorf("%s: clientConfig path %v, want %s", w.name, s, wantPath)
	}
}

// notIn returns the namespaces excluded on the unforgeable name label.
func notIn(sel *metav1.LabelSelector) map[string]bool {
	out := map[string]bool{}
	if sel == nil {
		return out
	}
	for _, r := range sel.MatchExpressions {
		if r.Key == corev1.LabelMetadataName && r.Operator == metav1.LabelSelectorOpNotIn {
			for _, v := range r.Values {
				out[v] = true
			}
		}
	}
	return out
}

// checkService checks that the webhook calls the Service on 443, which
// forwards to the container's webhook port 9443.
func checkService(t *testing.T, w common, svc *corev1.Service) {
	t.Helper()
	s := w.clientConfig.Service
	if s == nil || s.Name != svc.Name || s.Namespace != namespace || s.Port == nil || *s.Port != 443 {
		t.Fatalf("%s: clientConfig.service %+v must be %s/%s:443", w.name, s, namespace, svc.Name)
	}
	if w.clientConfig.URL != nil {
		t.Errorf("%s: a URL clientConfig bypasses the Service", w.name)
	}
	for _, p := range svc.Spec.Ports {
		if p.Port == 443 && p.TargetPort.String() == "webhook" {
			return
		}
	}
	t.Errorf("Service %s has no port 443 -> webhook", svc.Name)
}

// kindsOf maps webhook rules to engine kinds, failing on unknown resources
// and on rules that are not CREATE/UPDATE-only.
func kindsOf(t *testing.T, rules []admissionregistrationv1.RuleWithOperations, ops ...admissionregistrationv1.OperationType) map[policy.Kind]bool {
	t.Helper()
	out := map[policy.Kind]bool{}
	for _, r := range rules {
		for _, op := range r.Operations {
			if !slices.Contains(ops, op) {
				t.Errorf("rule %v: operation %s not in %v", r.Resources, op, ops)
			}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				k, ok := resourceKinds[g+"/"+res]
				if !ok {
					t.Errorf("webhook rule for %s/%s: no engine kind (wildcards and subresources other than pods/ephemeralcontainers are not allowed)", g, res)
				}
				out[k] = true
			}
		}
	}
	return out
}

func sortedKinds(m map[policy.Kind]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// TestValidatingRulesMatchCatalogue checks that the validating webhook is
// called for exactly the kinds the rule catalogue targets: a missing kind
// would be a silent hole, an extra one needless blast radius.
func TestValidatingRulesMatchCatalogue(t *testing.T) {
	v, _ := webhooks(t, render(t, nil))
	got := map[policy.Kind]bool{}
	for _, w := range v.Webhooks {
		if isAnchorsWebhook(w.Name) {
			continue // DELETE only: anchors_test.go
		}
		for k := range kindsOf(t, w.Rules, admissionregistrationv1.Create, admissionregistrationv1.Update) {
			got[k] = true
		}
	}
	want := map[policy.Kind]bool{}
	for _, r := range policy.Catalogue() {
		for _, k := range r.Targets {
			if !offlineKinds[k] {
				want[k] = true
			}
		}
	}
	if g, w := sortedKinds(got), sortedKinds(want); !slices.Equal(g, w) {
		t.Errorf("validating webhook kinds\n got %v\nwant %v (the kinds policy.Catalogue() targets)", g, w)
	}
}

// TestMeshConfigWebhookScope checks that ConfigMaps reach the webhook only
// from the mesh-config namespaces, selected by name.
func TestMeshConfigWebhookScope(t *testing.T) {
	v, _ := webhooks(t, render(t, map[string]any{"webhook": map[string]any{"meshConfig": map[string]any{"namespaces": []string{"istio-system", "istio-canary"}}}}))
	for _, w := range v.Webhooks {
		if isAnchorsWebhook(w.Name) {
			continue // DELETE only: anchors_test.go
		}
		isCM := kindsOf(t, w.Rules, admissionregistrationv1.Create, admissionregistrationv1.Update)[policy.KindConfigMap]
		if w.Name != "meshconfig.validate.istio-guardrail.io" {
			if isCM {
				t.Errorf("%s: ConfigMaps must only be in the mesh-config webhook", w.Name)
			}
			continue
		}
		if len(w.Rules) != 1 || !isCM {
			t.Errorf("mesh-config webhook must match ConfigMaps only, got %+v", w.Rules)
		}
		var in []string
		for _, r := range w.NamespaceSelector.MatchExpressions {
			if r.Key == corev1.LabelMetadataName && r.Operator == metav1.LabelSelectorOpIn {
				in = r.Values
			}
		}
		if !slices.Equal(in, []string{"istio-system", "istio-canary"}) {
			t.Errorf("mesh-config webhook namespaces = %v, want [istio-system istio-canary]", in)
		}
	}
}

// TestMutatingRules checks the mutated kinds: Pods and Namespaces on CREATE
// by default, workloads only when config.mutation.workloads is on.
func TestMutatingRules(t *testing.T) {
	workloads := map[policy.Kind]bool{}
	for _, k := range policy.WorkloadKinds() {
		workloads[k] = true
	}
	tests := map[string]struct {
		values map[string]any
		want   []policy.Kind
		ops    []admissionregistrationv1.OperationType
	}{
		"default: pods and namespaces": {nil, []policy.Kind{policy.KindPod, policy.KindNamespace},
			[]admissionregistrationv1.OperationType{admissionregistrationv1.Create}},
		"namespaces off": {map[string]any{"config": map[string]any{"mutation": map[string]any{"namespaces": false}}},
			[]policy.Kind{policy.KindPod}, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}},
		"workloads on": {modes["workload mutation"], append([]policy.Kind{policy.KindPod, policy.KindNamespace}, policy.WorkloadKinds()...),
			[]admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, mu := webhooks(t, render(t, tc.values))
			var all []admissionregistrationv1.RuleWithOperations
			for _, w := range mu.Webhooks {
				all = append(all, w.Rules...)
			}
			got := kindsOf(t, all, tc.ops...)
			want := map[policy.Kind]bool{}
			for _, k := range tc.want {
				want[k] = true
			}
			if g, w := sortedKinds(got), sortedKinds(want); !slices.Equal(g, w) {
				t.Errorf("mutating kinds\n got %v\nwant %v", g, w)
			}
			for _, r := range all {
				if slices.Contains(r.Resources, "pods") && !slices.Equal(r.Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}) {
					t.Errorf("pods must be mutated on CREATE only, got %v", r.Operations)
				}
			}
		})
	}
}

// TestMutatingDisabled checks that the mutating configuration can be left out.
func TestMutatingDisabled(t *testing.T) {
	m := render(t, map[string]any{"webhook": map[string]any{"mutating": map[string]any{"enabled": false}}})
	if names := m.names("MutatingWebhookConfiguration"); len(names) != 0 {
		t.Errorf("want no MutatingWebhookConfiguration, got %v", names)
	}
}

// TestExtraExcludedNamespaces checks webhook.excludeNamespaces.
func TestExtraExcludedNamespaces(t *testing.T) {
	v, mu := webhooks(t, render(t, map[string]any{"webhook": map[string]any{"excludeNamespaces": []string{"gatekeeper-system"}}}))
	for _, w := range allWebhooks(v, mu) {
		if ex := notIn(w.namespaceSelector); !ex["gatekeeper-system"] || !ex["kube-system"] {
			t.Errorf("%s: excluded %v, want gatekeeper-system added to the defaults", w.name, ex)
		}
	}
}
