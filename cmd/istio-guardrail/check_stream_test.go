package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// crossOnlyDR disables TLS towards a workload of a STRICT mesh with a
// complete pool and outlier detection: with IGR201 off its only finding is
// the cross-object IGR803, so its object is clean in the main pass.
const crossOnlyDR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100}
      http: {http2MaxRequests: 100, maxRequestsPerConnection: 10}
    outlierDetection: {consecutive5xxErrors: 5}
    tls:
      mode: DISABLE
`

const meshStrict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: STRICT}\n"

// TestCheckStreamingPipeline: check reads every input one part at a time
// (stdin too, copied aside), judges the parts on every core and reports
// the same, in the same order, on one core and on several; an object whose
// only finding is cross-object is reported at its field's line, and the
// objects without findings are counted in the summary (JUnit lists them).
func TestCheckStreamingPipeline(t *testing.T) {
	var many strings.Builder
	for i := range 40 {
		fmt.Fprintf(&many, "---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d, namespace: shop}\nspec: {ports: [{port: 80}]}\n", i)
		if i%7 == 3 {
			fmt.Fprintf(&many, "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pa%d, namespace: team}\nspec:\n  mtls: {mode: PERMISSIVE}\n", i)
		}
	}
	dir := writeFiles(t, map[string]string{
		"a.yaml":     many.String(),
		"b.yaml":     "# leading comment\n---\n" + crossOnlyDR + "---\napiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(strictPA, "\n"), "\n", "\n  ") + "\n",
		"guard.yaml": "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR201: {action: \"off\"}\n",
	})
	args := func(format string) []string {
		return []string{"check", "--config", filepath.Join(dir, "guard.yaml"), "-o", format, "-f", filepath.Join(dir, "a.yaml"), "-f", "-", "--stdin-filename", "mesh.yaml", "-f", filepath.Join(dir, "b.yaml")}
	}
	outputs := map[int]map[string]string{}
	for _, procs := range []int{1, 2, 4} {
		prev := runtime.GOMAXPROCS(procs)
		outputs[procs] = map[string]string{}
		for _, format := range []string{"text", "json", "junit"} {
			code, out, errOut := runCLI(t, meshStrict, args(format)...)
			if code != 1 || errOut != "" {
				t.Fatalf("GOMAXPROCS=%d -o %s: exit %d, stderr %q", procs, format, code, errOut)
			}
			outputs[procs][format] = out
		}
		runtime.GOMAXPROCS(prev)
	}
	text := outputs[1]["text"]
	for _, want := range []string{
		"b.yaml:14: deny IGR803 DestinationRule shop/reviews spec.trafficPolicy.tls.mode",
		"a.yaml:26: deny IGR101 PeerAuthentication team/pa3 spec.mtls.mode",
		"3 files, 49 objects (40 skipped): 7 deny, 0 warn, 0 audit",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "IGR201") {
		t.Errorf("IGR201 is off but reported:\n%s", text)
	}
	junit := outputs[1]["junit"]
	for _, want := range []string{`name="Service shop/s39"`, `name="PeerAuthentication istio-system/default"`, `name="IGR803 DestinationRule shop/reviews spec.trafficPolicy.tls.mode"`} {
		if !strings.Contains(junit, want) {
			t.Errorf("junit output lacks %s:\n%s", want, junit)
		}
	}
	for _, procs := range []int{2, 4} {
		for format, out := range outputs[procs] {
			if format != "junit" && out != outputs[1][format] {
				t.Errorf("-o %s on %d cores differs from one core:\n%s\nvs\n%s", format, procs, out, outputs[1][format])
			}
		}
	}
}

// TestResultsShareRefStrings: the objects and findings kept share one copy
// of each API version, kind and namespace, however each Ref rendered them.
func TestResultsShareRefStrings(t *testing.T) {
	r := &results{}
	for _, name := range []string{"a", "b"} {
		ref := policy.ObjectRef{APIVersion: strings.Clone("security.istio.io/v1"), Kind: strings.Clone("PeerAuthentication"),
			Namespace: strings.Clone("shop"), Name: name}
		finding := policy.Finding{Rule: "IGR101", Object: policy.ObjectRef{APIVersion: strings.Clone(ref.APIVersion),
			Kind: ref.Kind, Namespace: strings.Clone(ref.Namespace), Name: name}}
		r.add(report.ObjectResult{File: "f.yaml", Ref: ref, Findings: []report.Entry{{Finding: finding}}})
	}
	a, b := r.Objects[0], r.Objects[1]
	for _, pair := range [][2]string{
		{a.Ref.APIVersion, b.Ref.APIVersion}, {a.Ref.Kind, b.Ref.Kind}, {a.Ref.Namespace, b.Ref.Namespace},
		{a.Ref.APIVersion, b.Findings[0].Object.APIVersion}, {a.Ref.Namespace, a.Findings[0].Object.Namespace},
	} {
		if pair[0] != pair[1] || unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%q and %q are two copies, want one", pair[0], pair[1])
		}
	}
	if a.Ref.Name != "a" || b.Findings[0].Object.Name != "b" {
		t.Errorf("names %q, %q: want a, b", a.Ref.Name, b.Findings[0].Object.Name)
	}
}
