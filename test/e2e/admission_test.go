package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// kindCase is one testdata manifest and what the guardrail must say about it.
type kindCase struct {
	file string // under testdata/
	kind string // for kubectl get
	rule string // the rule that must be named ("" for none)
}

var rejectedCases = map[string]kindCase{
	"PeerAuthentication in PERMISSIVE mode":               {"rejected/peerauthentication.yaml", "peerauthentications.security.istio.io", "IGR101"},
	"RequestAuthentication with a plaintext jwksUri":      {"rejected/requestauthentication.yaml", "requestauthentications.security.istio.io", "IGR103"},
	"DestinationRule disabling TLS in a subset port":      {"rejected/destinationrule.yaml", "destinationrules.networking.istio.io", "IGR201"},
	"DestinationRule port-level entry without a pool":     {"rejected/destinationrule-portlevel.yaml", "destinationrules.networking.istio.io", "IGR203"},
	"Gateway accepting TLS 1.0":                           {"rejected/gateway.yaml", "gateways.networking.istio.io", "IGR301"},
	"AuthorizationPolicy allowing everything":             {"rejected/authorizationpolicy.yaml", "authorizationpolicies.security.istio.io", "IGR401"},
	"Sidecar with egress to */*":                          {"rejected/sidecar.yaml", "sidecars.networking.istio.io", "IGR501"},
	"cert-manager Certificate with a weak, static key":    {"rejected/certificate.yaml", "certificates.cert-manager.io", "IGR706"},
	"Pod excluding all outbound traffic from the mesh":    {"rejected/pod.yaml", "pods", "IGR703"},
	"Deployment turning off interception in its template": {"rejected/deployment.yaml", "deployments.apps", "IGR703"},
}

var hardenedCases = map[string]kindCase{
	"PeerAuthentication STRICT":                 {"hardened/peerauthentication.yaml", "peerauthentications.security.istio.io", ""},
	"RequestAuthentication with https jwksUri":  {"hardened/requestauthentication.yaml", "requestauthentications.security.istio.io", ""},
	"DestinationRule with mTLS and limits":      {"hardened/destinationrule.yaml", "destinationrules.networking.istio.io", ""},
	"DestinationRule with Go-style durations":   {"hardened/destinationrule-go-durations.yaml", "destinationrules.networking.istio.io", ""},
	"Gateway with TLS 1.2 and a redirect":       {"hardened/gateway.yaml", "gateways.networking.istio.io", ""},
	"AuthorizationPolicy scoped to a principal": {"hardened/authorizationpolicy.yaml", "authorizationpolicies.security.istio.io", ""},
	"Sidecar with scoped egress":                {"hardened/sidecar.yaml", "sidecars.networking.istio.io", ""},
	"VirtualService with timeouts":              {"hardened/virtualservice.yaml", "virtualservices.networking.istio.io", ""},
	"cert-manager Certificate rotated often":    {"hardened/certificate.yaml", "certificates.cert-manager.io", ""},
	"Pod":                                       {"hardened/pod.yaml", "pods", ""},
	"Deployment":                                {"hardened/deployment.yaml", "deployments.apps", ""},
}

var warnedCases = map[string]kindCase{
	"VirtualService route without a timeout": {"warned/virtualservice.yaml", "virtualservices.networking.istio.io", "IGR705"},
	"EnvoyFilter needs review":               {"warned/envoyfilter.yaml", "envoyfilters.networking.istio.io", "IGR704"},
}

func TestUnhardenedResourcesAreRejected(t *testing.T) {
	ns := meshNamespace(t)
	for desc, tc := range rejectedCases {
		t.Run(desc, func(t *testing.T) {
			manifest := testdata(t, tc.file)
			r := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			requireDenied(t, r, tc.rule)
			if !strings.Contains(r.Stderr, "fix:") {
				t.Errorf("the denial should say how to fix it:\n%s", r)
			}
			requireNotFound(t, ns, tc.kind, manifestName(t, manifest))
		})
	}
}

func TestHardenedResourcesAreCreated(t *testing.T) {
	ns := meshNamespace(t)
	for desc, tc := range hardenedCases {
		t.Run(desc, func(t *testing.T) {
			manifest := testdata(t, tc.file)
			r := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			requireAllowed(t, r)
			if !strings.Contains(r.Stdout, "created") {
				t.Errorf("want kubectl to report the object created:\n%s", r)
			}
			requireAllowed(t, kubectl(t, "", "get", "-n", ns, tc.kind, manifestName(t, manifest)))
		})
	}
}

func TestWarnRulesPrintWarnings(t *testing.T) {
	ns := newNamespace(t, nil)
	for desc, tc := range warnedCases {
		t.Run(desc, func(t *testing.T) {
			manifest := testdata(t, tc.file)
			r := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			requireAllowed(t, r)
			if !strings.Contains(r.Stderr, "Warning:") || !strings.Contains(r.Stderr, tc.rule) {
				t.Fatalf("want kubectl to print a Warning: naming %s:\n%s", tc.rule, r)
			}
			requireAllowed(t, kubectl(t, "", "get", "-n", ns, tc.kind, manifestName(t, manifest)))
		})
	}
}

func TestServerDryRunGivesTheSameVerdictAndPersistsNothing(t *testing.T) {
	ns := meshNamespace(t)
	cases := map[string]kindCase{}
	for d, c := range rejectedCases {
		cases["rejected "+d] = c
	}
	for d, c := range hardenedCases {
		cases["hardened "+d] = c
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			manifest := testdata(t, tc.file)
			dry := kubectl(t, manifest, "apply", "--dry-run=server", "-n", ns, "-f", "-")
			requireNotFound(t, ns, tc.kind, manifestName(t, manifest))
			if tc.rule == "" {
				requireAllowed(t, dry)
				if !strings.Contains(dry.Stdout, "(server dry run)") {
					t.Errorf("want kubectl to report a server dry run:\n%s", dry)
				}
				return
			}
			requireDenied(t, dry, tc.rule)
			applied := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			requireDenied(t, applied, tc.rule)
			if got, want := ruleIDs(dry.Stderr), ruleIDs(applied.Stderr); !slices.Equal(got, want) {
				t.Errorf("dry run named rules %v, the real request %v", got, want)
			}
		})
	}
}

func TestNamespaceWithBothInjectionLabelsIsRejected(t *testing.T) {
	cases := map[string]struct {
		name     string
		labels   string
		wantRule string
	}{
		"both istio-injection and istio.io/rev": {"e2e-both-labels", "    istio-injection: enabled\n    istio.io/rev: 1-24-0\n", "IGR701"},
		"only istio-injection":                  {"e2e-legacy-label", "    istio-injection: enabled\n", ""},
		"only istio.io/rev":                     {"e2e-rev-label", "    istio.io/rev: 1-24-0\n", ""},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			name := tc.name
			manifest := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels:\n" + tc.labels
			r := kubectl(t, manifest, "apply", "-f", "-")
			if tc.wantRule == "" {
				requireAllowed(t, r)
				return
			}
			requireDenied(t, r, tc.wantRule)
			requireNotFound(t, "", "namespace", name)
		})
	}
}

func TestExemptionAnnotation(t *testing.T) {
	ns := newNamespace(t, nil)
	exempted := func(name string) string {
		return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: " + name +
			"\n  annotations:\n    istio-guardrail.io/exempt: IGR101\n    istio-guardrail.io/exempt-reason: legacy clients\n" +
			"spec:\n  mtls:\n    mode: PERMISSIVE\n"
	}
	// The default configuration grants no annotation exemptions: a tenant's
	// annotation changes nothing.
	requireDenied(t, kubectl(t, exempted("tenant-exempt"), "apply", "-n", ns, "-f", "-"), "IGR101")
	// An administrator grants IGR101; the server reloads its config.
	writeConfig(t, baseConfig+"exemptions:\n  allowedRules: [IGR101]\n")
	t.Cleanup(func() {
		writeConfig(t, baseConfig)
		waitVerdict(context.Background(), t, ns, exempted("restored"), true)
	})
	waitVerdict(t.Context(), t, ns, exempted("granted"), false)
	cases := map[string]struct {
		name        string
		annotations string
		wantRule    string // "" = allowed
	}{
		"exemption with a reason lets the resource through": {"exempt-with-reason",
			"    istio-guardrail.io/exempt: IGR101\n    istio-guardrail.io/exempt-reason: legacy clients until the Q3 migration\n", ""},
		"exemption without a reason is ignored": {"exempt-without-reason",
			"    istio-guardrail.io/exempt: IGR101\n", "IGR101"},
		"exemption from another rule does not help": {"exempt-other-rule",
			"    istio-guardrail.io/exempt: IGR201\n    istio-guardrail.io/exempt-reason: wrong rule\n", "IGR101"},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			name := tc.name
			manifest := "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: " + name +
				"\n  annotations:\n" + tc.annotations + "spec:\n  mtls:\n    mode: PERMISSIVE\n"
			r := kubectl(t, manifest, "apply", "-n", ns, "-f", "-")
			if tc.wantRule != "" {
				requireDenied(t, r, tc.wantRule)
				return
			}
			requireAllowed(t, r)
			requireAllowed(t, kubectl(t, "", "get", "-n", ns, "peerauthentication", name))
		})
	}
}

func TestUpdateIsValidatedAndDeleteIsAllowed(t *testing.T) {
	ns := newNamespace(t, nil)
	requireAllowed(t, kubectl(t, peerAuthentication("updated", "STRICT"), "apply", "-n", ns, "-f", "-"))
	cases := map[string]struct {
		args     []string
		stdin    string
		wantRule string
	}{
		"an UPDATE to PERMISSIVE is denied": {[]string{"apply", "-n", ns, "-f", "-"}, peerAuthentication("updated", "PERMISSIVE"), "IGR101"},
		"a patch to DISABLE is denied": {[]string{"patch", "-n", ns, "peerauthentication", "updated", "--type=merge",
			"-p", `{"spec":{"mtls":{"mode":"DISABLE"}}}`}, "", "IGR101"},
		"an UPDATE that keeps STRICT is allowed": {[]string{"label", "-n", ns, "peerauthentication", "updated", "team=mesh"}, "", ""},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			r := kubectl(t, tc.stdin, tc.args...)
			if tc.wantRule == "" {
				requireAllowed(t, r)
				return
			}
			requireDenied(t, r, tc.wantRule)
		})
	}
	r := kubectl(t, "", "get", "-n", ns, "peerauthentication", "updated", "-o", "jsonpath={.spec.mtls.mode}")
	if requireAllowed(t, r); r.Stdout != "STRICT" {
		t.Errorf("stored mode = %q after denied updates, want STRICT", r.Stdout)
	}
	requireAllowed(t, kubectl(t, "", "delete", "-n", ns, "peerauthentication", "updated"))
	requireNotFound(t, ns, "peerauthentication", "updated")
}

// TestPodsOutsideTheMeshAreNotSent checks the blast radius of the Pod and
// workload webhooks: a Pod or Deployment the guardrail would deny in a mesh
// namespace (injection or revision label) is admitted in a namespace outside
// the mesh, where no sidecar is injected and the guardrail is never called.
func TestPodsOutsideTheMeshAreNotSent(t *testing.T) {
	cases := map[string]struct {
		labels     map[string]string
		wantDenied bool
	}{
		"istio-injection=enabled":  {map[string]string{"istio-injection": "enabled"}, true},
		"istio.io/rev":             {map[string]string{"istio.io/rev": "1-24-0"}, true},
		"istio-injection=disabled": {map[string]string{"istio-injection": "disabled"}, false},
		"no injection label":       {nil, false},
	}
	for desc, tc := range cases {
		t.Run(desc, func(t *testing.T) {
			ns := newNamespace(t, tc.labels)
			for _, f := range []string{"rejected/pod.yaml", "rejected/deployment.yaml"} {
				r := kubectl(t, testdata(t, f), "apply", "--dry-run=server", "-n", ns, "-f", "-")
				if tc.wantDenied {
					requireDenied(t, r, "IGR703")
				} else {
					requireAllowed(t, r)
				}
			}
		})
	}
}
