package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestGatewayAPIRoutesJudgedAsStored: GRPCRoutes and TLSRoutes are accepted
// by the real API server with the standard-channel CRDs; admission (which
// sees the Gateway alone) warns on the plaintext listener, and `check` over
// the objects as the API server stores them denies it for the GRPCRoute
// attached there (IGR308) and admits the GRPCRoute on an HTTPS listener.
func TestGatewayAPIRoutesJudgedAsStored(t *testing.T) {
	withGatewayAPI(t)
	for desc, tc := range map[string]struct {
		file           string
		admissionWarns []string
		checkDenies    []string
		checkWarns     []string
	}{
		"GRPCRoute on a plaintext listener, TLSRoute on a passthrough one": {file: "grpcroute-plaintext.yaml",
			admissionWarns: []string{"IGR308", "IGR311"}, checkDenies: []string{"IGR308"}, checkWarns: []string{"IGR311"}},
		"GRPCRoute on an HTTPS listener": {file: "grpcroute-hardened.yaml"},
	} {
		t.Run(desc, func(t *testing.T) {
			ns := newNamespace(t, nil)
			r := kubectl(t, testdata(t, "meshapi/"+tc.file), "apply", "-n", ns, "-f", "-")
			requireAllowed(t, r)
			if got := warningRules(r.Stderr); !slices.Equal(got, tc.admissionWarns) {
				t.Errorf("admission warned %v, want %v:\n%s", got, tc.admissionWarns, r)
			}
			stored := kubectl(t, "", "get", "-n", ns, "-o", "yaml",
				"gateways.gateway.networking.k8s.io,grpcroutes.gateway.networking.k8s.io,tlsroutes.gateway.networking.k8s.io")
			requireAllowed(t, stored)
			if !strings.Contains(stored.Stdout, "kind: GRPCRoute") {
				t.Fatalf("the API server returned no GRPCRoute:\n%s", stored.Stdout)
			}
			got := checkFindingsOf(t, []byte(stored.Stdout), ns)
			if !slices.Equal(got["deny"], tc.checkDenies) || !slices.Equal(got["warn"], tc.checkWarns) {
				t.Errorf("check on the stored objects denies %v and warns %v, want %v and %v", got["deny"], got["warn"], tc.checkDenies, tc.checkWarns)
			}
		})
	}
}

// TestTLSRouteVersionsServed: the standard channel serves TLSRoute at v1
// only (v1alpha2 and v1alpha3 are in its CRD unserved). (check decodes the
// experimental channel's v1alpha2 and v1alpha3 too, held to that channel's
// CRDs by manifest's pruning oracle.)
func TestTLSRouteVersionsServed(t *testing.T) {
	withGatewayAPI(t)
	ns := newNamespace(t, nil)
	alpha := testdata(t, "meshapi/tlsroute-v1alpha2.yaml")
	r := kubectl(t, alpha, "apply", "--dry-run=server", "-n", ns, "-f", "-")
	if r.Err == nil || !strings.Contains(r.Stderr, "v1alpha2") {
		t.Fatalf("the standard channel served TLSRoute v1alpha2:\n%s", r)
	}
	v1 := strings.Replace(alpha, "gateway.networking.k8s.io/v1alpha2", "gateway.networking.k8s.io/v1", 1)
	requireAllowed(t, kubectl(t, v1, "apply", "--dry-run=server", "-n", ns, "-f", "-"))
}

// unknownFieldWarning is the API server's warning for a pruned field.
var unknownFieldWarning = regexp.MustCompile(`Warning: unknown field "\.?([^"]+)"`)

// TestGatewayAPIUnknownFieldsAsTheAPIServerPrunes: for Gateway API objects
// with fields their CRDs lack, the API server (kubectl --validate=warn)
// names the fields it prunes, check's IGR002 names the same ones, and the
// stored objects have none left.
func TestGatewayAPIUnknownFieldsAsTheAPIServerPrunes(t *testing.T) {
	withGatewayAPI(t)
	ns := newNamespace(t, nil)
	manifest := testdata(t, "meshapi/gatewayapi-unknown-fields.yaml")
	r := kubectl(t, manifest, "apply", "--validate=warn", "-n", ns, "-f", "-")
	requireAllowed(t, r)
	var pruned []string
	for _, m := range unknownFieldWarning.FindAllStringSubmatch(r.Stderr, -1) {
		pruned = append(pruned, m[1])
	}
	sort.Strings(pruned)
	var ours []string
	for _, f := range checkFindingList(t, []byte(manifest), ns) {
		if f.Rule == "IGR002" {
			ours = append(ours, f.Field)
		}
	}
	sort.Strings(ours)
	if len(pruned) < 5 || !slices.Equal(pruned, ours) {
		t.Errorf("the API server pruned %v, check's IGR002 reports %v", pruned, ours)
	}
	stored := kubectl(t, "", "get", "-n", ns, "-o", "yaml",
		"gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io,grpcroutes.gateway.networking.k8s.io,tlsroutes.gateway.networking.k8s.io")
	requireAllowed(t, stored)
	for _, f := range checkFindingList(t, []byte(stored.Stdout), ns) {
		if f.Rule == "IGR002" {
			t.Errorf("check reports %s %s on the stored objects", f.Rule, f.Field)
		}
	}
}

// checkFinding is one finding of `check -o json`.
type checkFinding struct{ Rule, Action, Kind, Namespace, Name, Field, Message string }

// checkFindingList runs `istio-guardrail check -o json` with the server's
// config file (and extra flags) on manifest (stdin) and returns its findings.
func checkFindingList(t *testing.T, manifest []byte, ns string, extra ...string) []checkFinding {
	t.Helper()
	args := append([]string{"check", "-o", "json", "--namespace", ns, "--config", env.ConfigPath, "-f", "-"}, extra...)
	cmd := exec.CommandContext(t.Context(), env.Cluster.Binaries.Guardrail, args...)
	cmd.Stdin = bytes.NewReader(manifest)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() > 1) {
		t.Fatalf("istio-guardrail check: %v\n%s", err, out)
	}
	var report struct {
		Findings []checkFinding `json:"findings"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("decode check output: %v\n%s", err, out)
	}
	return report.Findings
}

// TestWaypointHAAuditAndCheckAgree: waypoints (Gateways of class
// istio-waypoint) on the real API server are admitted (admission cannot see
// the ConfigMaps istiod deploys them from); audit of the cluster denies the
// unhardened one with IGR811, naming what is missing, and admits the
// hardened one; check over the same manifests (with the class defaults)
// reports exactly the same findings.
func TestWaypointHAAuditAndCheckAgree(t *testing.T) {
	withGatewayAPI(t)
	ns := newNamespace(t, ambientLabels)
	if r := kubectl(t, "", "create", "namespace", "istio-system"); r.Err != nil && !strings.Contains(r.Stderr, "AlreadyExists") {
		t.Fatalf("istio-system: %s", r)
	}
	defaults := testdata(t, "meshapi/waypoint-defaults.yaml")
	requireAllowed(t, kubectl(t, defaults, "apply", "-f", "-"))
	var input []string
	for _, f := range []string{"waypoint-unhardened.yaml", "waypoint-hardened.yaml"} {
		m := testdata(t, "meshapi/"+f)
		r := kubectl(t, m, "apply", "-n", ns, "-f", "-")
		requireAllowed(t, r)
		if got := warningRules(r.Stderr); len(got) > 0 {
			t.Errorf("%s: admission warned %v", f, got)
		}
		input = append(input, m)
	}
	code, findings, stderr := auditFindings(t, env.Cluster, "--config", env.ConfigPath, "-n", ns)
	if code != 1 {
		t.Errorf("audit exit %d, want 1 (findings):\n%s", code, stderr)
	}
	var audit []string
	for _, f := range findings {
		if f.Rule == "IGR811" {
			audit = append(audit, f.Rule+" "+f.Action+" "+f.Kind+" "+f.Namespace+"/"+f.Name+" "+f.Field+": "+f.Message)
		}
	}
	sort.Strings(audit)
	at := "IGR811 deny Gateway " + ns + "/waypoint-unhardened spec.infrastructure.parametersRef: "
	want := []string{
		at + `"waypoint-unhardened" has an HPA with minReplicas 2 above maxReplicas 1: rejected`,
		at + `"waypoint-unhardened" has no PodDisruptionBudget`,
	}
	sort.Strings(want)
	if !slices.Equal(audit, want) {
		t.Errorf("audit reports\n %q\nwant\n %q", audit, want)
	}
	var checked []string
	for _, f := range checkFindingList(t, []byte(defaults+"\n---\n"+strings.Join(input, "\n---\n")), ns) {
		if f.Rule == "IGR811" {
			checked = append(checked, f.Rule+" "+f.Action+" "+f.Kind+" "+f.Namespace+"/"+f.Name+" "+f.Field+": "+f.Message)
		}
	}
	sort.Strings(checked)
	if !slices.Equal(checked, audit) {
		t.Errorf("check reports\n %q\naudit\n %q", checked, audit)
	}
}

// TestGatewayHAFollowsIstiodValues: an east-west gateway spread only by
// istiod's values (global.waypoint.topologySpreadConstraints in the values
// of istio-sidecar-injector) is admitted by audit once that ConfigMap is on
// the server, and only warned about before; check agrees with audit with
// the ConfigMap in its input and without.
func TestGatewayHAFollowsIstiodValues(t *testing.T) {
	withGatewayAPI(t)
	ns := newNamespace(t, nil)
	if r := kubectl(t, "", "create", "namespace", "istio-system"); r.Err != nil && !strings.Contains(r.Stderr, "AlreadyExists") {
		t.Fatalf("istio-system: %s", r)
	}
	gw := testdata(t, "meshapi/eastwest-values.yaml")
	values := testdata(t, "meshapi/eastwest-istiod-values.yaml")
	requireAllowed(t, kubectl(t, gw, "apply", "-n", ns, "-f", "-"))
	igr811 := func(action, kind, namespace, name, field, msg string) string {
		return "IGR811 " + action + " " + kind + " " + namespace + "/" + name + " " + field + ": " + msg
	}
	audit := func() []string {
		_, findings, _ := auditFindings(t, env.Cluster, "--config", env.ConfigPath, "-n", ns)
		var out []string
		for _, f := range findings {
			if f.Rule == "IGR811" {
				out = append(out, igr811(f.Action, f.Kind, f.Namespace, f.Name, f.Field, f.Message))
			}
		}
		sort.Strings(out)
		return out
	}
	check := func(manifest string) []string {
		var out []string
		for _, f := range checkFindingList(t, []byte(manifest), ns) {
			if f.Rule == "IGR811" {
				out = append(out, igr811(f.Action, f.Kind, f.Namespace, f.Name, f.Field, f.Message))
			}
		}
		sort.Strings(out)
		return out
	}
	unspread := []string{igr811("warn", "Gateway", ns, "eastwest", "spec.infrastructure.parametersRef", `"eastwest" has no anti-affinity or spread`)}
	if got := audit(); !slices.Equal(got, unspread) {
		t.Errorf("without istiod's values, audit reports\n %q\nwant\n %q", got, unspread)
	}
	if got := check(gw); !slices.Equal(got, unspread) {
		t.Errorf("without istiod's values, check reports\n %q\nwant\n %q", got, unspread)
	}
	requireAllowed(t, kubectl(t, values, "apply", "-f", "-"))
	t.Cleanup(func() {
		env.Cluster.Kubectl(context.Background(), "", "delete", "configmap", "istio-sidecar-injector", "-n", "istio-system", "--ignore-not-found")
	})
	if got := audit(); len(got) != 0 {
		t.Errorf("with istiod's values spreading it, audit reports %q", got)
	}
	if got := check(values + "\n---\n" + gw); len(got) != 0 {
		t.Errorf("with istiod's values spreading it, check reports %q", got)
	}
}
