package e2e

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// meshAPICase is a manifest under testdata/meshapi and the guardrail's
// verdict on it: the rules that deny it (none: admitted) and that warn.
type meshAPICase struct {
	file     string
	resource string // for kubectl get
	ambient  bool   // applied in an ambient namespace, else in an injected one
	deny     []string
	warn     []string
}

var meshAPICases = map[string]meshAPICase{
	"Gateway API HTTPS listener without a certificate": {file: "gateway-rejected.yaml",
		resource: "gateways.gateway.networking.k8s.io", deny: []string{"IGR307"}},
	"Gateway API plaintext listener and TLS passthrough": {file: "gateway-warned.yaml",
		resource: "gateways.gateway.networking.k8s.io", warn: []string{"IGR308", "IGR311"}},
	"Gateway API HTTPS-only listener": {file: "gateway-hardened.yaml", resource: "gateways.gateway.networking.k8s.io"},
	"ReferenceGrant to every Secret": {file: "referencegrant-warned.yaml",
		resource: "referencegrants.gateway.networking.k8s.io", warn: []string{"IGR312"}},
	"ServiceEntry for *.com, *.net, *.org, *.io": {file: "serviceentry-rejected.yaml",
		resource: "serviceentries.networking.istio.io", deny: []string{"IGR503"}},
	"ServiceEntry for one named host": {file: "serviceentry-hardened.yaml", resource: "serviceentries.networking.istio.io"},
	"Telemetry without access log, tracing 100%": {file: "telemetry-rejected.yaml",
		resource: "telemetries.telemetry.istio.io", deny: []string{"IGR614", "IGR615"}},
	"Telemetry with a log filter, tracing 1%": {file: "telemetry-hardened.yaml", resource: "telemetries.telemetry.istio.io"},
	"WasmPlugin pulling an arbitrary image": {file: "wasmplugin-rejected.yaml",
		resource: "wasmplugins.extensions.istio.io", deny: []string{"IGR708"}, warn: []string{"IGR707"}},
	"WasmPlugin pinned by digest": {file: "wasmplugin-warned.yaml",
		resource: "wasmplugins.extensions.istio.io", warn: []string{"IGR707"}},
	"ProxyConfig with all cores and the debug image": {file: "proxyconfig-warned.yaml",
		resource: "proxyconfigs.networking.istio.io", warn: []string{"IGR616"}},
	"ProxyConfig with the distroless image": {file: "proxyconfig-hardened.yaml", resource: "proxyconfigs.networking.istio.io"},
	"Pod opting out of ambient": {file: "ambient-pod-rejected.yaml", resource: "pods", ambient: true,
		deny: []string{"IGR712"}},
	"Pod enrolled in ambient": {file: "ambient-pod-hardened.yaml", resource: "pods", ambient: true},
	"CUSTOM AuthorizationPolicy for ztunnel": {file: "ambient-authz-rejected.yaml",
		resource: "authorizationpolicies.security.istio.io", ambient: true, deny: []string{"IGR406"}},
	"L7 AuthorizationPolicy on the waypoint": {file: "ambient-authz-hardened.yaml",
		resource: "authorizationpolicies.security.istio.io", ambient: true},
}

// ambientLabels are the labels of an ambient namespace.
var ambientLabels = map[string]string{"istio.io/dataplane-mode": "ambient"}

// namespaceFor creates the namespace of a case and returns it with the check
// flag that tells `check` its labels.
func (c meshAPICase) namespaceFor(t *testing.T) (string, string) {
	t.Helper()
	if c.ambient {
		ns := newNamespace(t, ambientLabels)
		return ns, ns + ":istio.io/dataplane-mode=ambient"
	}
	ns := meshNamespace(t)
	return ns, ns + ":istio-injection=enabled"
}

// gatewayAPI is the one-time install of the Gateway API CRDs, and what the
// cluster looked like before it: the guardrail's webhook configuration was
// registered (with rules for the Gateway API kinds) while no Gateway API CRD
// was served.
var gatewayAPI struct {
	once           sync.Once
	servedBefore   bool
	rulesBefore    bool
	enforcedBefore bool
	err            error
}

// withGatewayAPI installs the Gateway API CRDs once, first recording the
// state before them.
func withGatewayAPI(t *testing.T) {
	t.Helper()
	gatewayAPI.once.Do(func() {
		ctx := context.Background()
		if gatewayAPI.servedBefore, gatewayAPI.err = env.Cluster.Serves("gateway.networking.k8s.io", "gateways"); gatewayAPI.err != nil {
			return
		}
		vwc, err := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, env.WebhookName, metav1.GetOptions{})
		if gatewayAPI.err = err; err != nil {
			return
		}
		for _, w := range vwc.Webhooks {
			for _, r := range w.Rules {
				gatewayAPI.rulesBefore = gatewayAPI.rulesBefore ||
					(slices.Contains(r.APIGroups, "gateway.networking.k8s.io") && slices.Contains(r.Resources, "gateways"))
			}
		}
		ns := newNamespace(t, nil)
		r := env.Cluster.Kubectl(ctx, testdata(t, "rejected/peerauthentication.yaml"), "apply", "--dry-run=server", "-n", ns, "-f", "-")
		gatewayAPI.enforcedBefore = r.Err != nil && strings.Contains(r.Stderr, "IGR101")
		gatewayAPI.err = env.Cluster.InstallGatewayAPICRDs(ctx)
	})
	if gatewayAPI.err != nil {
		t.Fatalf("Gateway API CRDs: %v", gatewayAPI.err)
	}
}

// TestMeshAPIWebhookRulesWithoutTheirCRDs: the webhook configuration names
// kinds whose CRDs a cluster may lack. The API server accepts it, the
// guardrail keeps enforcing, and once the CRDs are installed the same
// configuration, untouched, sends the new kinds.
func TestMeshAPIWebhookRulesWithoutTheirCRDs(t *testing.T) {
	withGatewayAPI(t)
	if gatewayAPI.servedBefore {
		t.Fatal("the Gateway API CRDs were installed before the test could check the cluster without them")
	}
	if !gatewayAPI.rulesBefore {
		t.Fatal("the registered ValidatingWebhookConfiguration had no rule for gateway.networking.k8s.io gateways")
	}
	if !gatewayAPI.enforcedBefore {
		t.Fatal("with rules for absent CRDs, the guardrail did not deny an unhardened PeerAuthentication")
	}
	ns := newNamespace(t, nil)
	// The API server's webhook matcher learns about new resources
	// asynchronously: poll until the Gateway is judged.
	r := waitVerdict(t.Context(), t, ns, testdata(t, "meshapi/gateway-rejected.yaml"), true)
	requireDenied(t, r, "IGR307")
}

// TestMeshAPIVerdicts: each unhardened example of the mesh API is denied or
// warned with its rule IDs, each hardened counterpart admitted, on the real
// API server with the Istio and Gateway API CRDs.
func TestMeshAPIVerdicts(t *testing.T) {
	withGatewayAPI(t)
	for desc, tc := range meshAPICases {
		t.Run(desc, func(t *testing.T) {
			ns, _ := tc.namespaceFor(t)
			manifest := testdata(t, "meshapi/"+tc.file)
			if len(tc.deny) > 0 {
				// The guardrail's namespace cache learns the new namespace's
				// labels asynchronously.
				waitVerdict(t.Context(), t, ns, manifest, true)
			}
			r := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			if len(tc.deny) > 0 {
				if got := deniedRules(r); !slices.Equal(got, tc.deny) {
					t.Fatalf("denied by %v, want %v:\n%s", got, tc.deny, r)
				}
				requireNotFound(t, ns, tc.resource, manifestName(t, manifest))
				return
			}
			requireAllowed(t, r)
			if got := warningRules(r.Stderr); !slices.Equal(got, sorted(tc.warn)) {
				t.Errorf("warned by %v, want %v:\n%s", got, tc.warn, r)
			}
			requireAllowed(t, kubectl(t, "", "get", "-n", ns, tc.resource, manifestName(t, manifest)))
		})
	}
}

// TestMeshAPICheckAndAdmissionAgree: `check`, told the namespace's labels,
// names the same denying and warning rules as admission.
func TestMeshAPICheckAndAdmissionAgree(t *testing.T) {
	withGatewayAPI(t)
	for desc, tc := range meshAPICases {
		t.Run(desc, func(t *testing.T) {
			ns, nsLabel := tc.namespaceFor(t)
			manifest := testdata(t, "meshapi/"+tc.file)
			want := checkFindings(t, "meshapi/"+tc.file, ns, "--namespace-label", nsLabel)
			if !slices.Equal(want["deny"], sorted(tc.deny)) {
				t.Fatalf("check denies %v, the case says %v", want["deny"], tc.deny)
			}
			r := waitVerdict(t.Context(), t, ns, manifest, len(tc.deny) > 0)
			if denied := deniedRules(r); !slices.Equal(denied, want["deny"]) {
				t.Errorf("check denies %v, admission denied %v:\n%s", want["deny"], denied, r)
			}
			if r.Err == nil && !slices.Equal(warningRules(r.Stderr), want["warn"]) {
				t.Errorf("check warns %v, admission warned %v:\n%s", want["warn"], warningRules(r.Stderr), r)
			}
		})
	}
}

// TestEphemeralContainersAreJudged: `kubectl debug` adds containers through
// the pods/ephemeralcontainers subresource; in mesh namespaces one that runs
// as the proxy's UID is denied (IGR713), a plain one is admitted.
func TestEphemeralContainersAreJudged(t *testing.T) {
	// probe is denied only once the guardrail knows the namespace's labels.
	const optOut = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  %s\nspec:\n  containers: [{name: app, image: app}]\n"
	for desc, tc := range map[string]struct {
		labels map[string]string
		probe  string
	}{
		"injected namespace": {map[string]string{"istio-injection": "enabled"},
			fmt.Sprintf(optOut, `annotations: {sidecar.istio.io/inject: "false"}`)},
		"ambient namespace": {ambientLabels, fmt.Sprintf(optOut, `labels: {istio.io/dataplane-mode: none}`)},
	} {
		t.Run(desc, func(t *testing.T) {
			ns := newNamespace(t, tc.labels)
			waitVerdict(t.Context(), t, ns, tc.probe, true)
			pods := env.Cluster.Client.CoreV1().Pods(ns)
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debugged"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:1"}}}}
			if _, err := pods.Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
				t.Fatalf("create pod: %v", err)
			}
			debug := func(name string, uid *int64) error {
				cur, err := pods.Get(t.Context(), "debugged", metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Spec.EphemeralContainers = append(cur.Spec.EphemeralContainers, corev1.EphemeralContainer{
					EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: name, Image: "busybox",
						SecurityContext: &corev1.SecurityContext{RunAsUser: uid}}})
				_, err = pods.UpdateEphemeralContainers(t.Context(), "debugged", cur, metav1.UpdateOptions{})
				return err
			}
			proxyUID := int64(1337)
			if err := debug("as-proxy", &proxyUID); err == nil || !strings.Contains(err.Error(), "denied the request") ||
				!strings.Contains(err.Error(), "IGR713") {
				t.Fatalf("want the ephemeral container running as UID 1337 denied by IGR713, got %v", err)
			}
			if err := debug("plain", nil); err != nil {
				t.Fatalf("want a plain ephemeral container admitted: %v", err)
			}
			got, err := pods.Get(t.Context(), "debugged", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(got.Spec.EphemeralContainers); n != 1 || got.Spec.EphemeralContainers[0].Name != "plain" {
				t.Errorf("ephemeral containers stored: %+v, want only plain", got.Spec.EphemeralContainers)
			}
		})
	}
}

// sorted returns a sorted copy of ids (nil stays nil).
func sorted(ids []string) []string {
	if ids == nil {
		return nil
	}
	out := slices.Clone(ids)
	sort.Strings(out)
	return out
}
