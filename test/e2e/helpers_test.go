package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

var nsCounter atomic.Int64

// meshNamespace creates a fresh namespace in the mesh (istio-injection=enabled),
// the only kind of namespace whose Pods and workloads reach the guardrail.
func meshNamespace(t *testing.T) string {
	t.Helper()
	return newNamespace(t, map[string]string{"istio-injection": "enabled"})
}

// newNamespace creates a fresh namespace with labels; without injection
// labels, only its Istio objects are guarded, not its Pods. Namespaces are
// not deleted: without a controller-manager they would stay Terminating, and
// the whole cluster goes away at the end of the run.
func newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	name := fmt.Sprintf("e2e-%d", nsCounter.Add(1))
	if err := env.Cluster.CreateNamespace(t.Context(), name, labels); err != nil {
		t.Fatal(err)
	}
	return name
}

// kubectl runs the real kubectl with stdin (may be "").
func kubectl(t *testing.T, stdin string, args ...string) framework.Result {
	t.Helper()
	return env.Cluster.Kubectl(t.Context(), stdin, args...)
}

// testdata reads a manifest under testdata/.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return string(b)
}

// requireDenied asserts that the guardrail's validating webhook denied the
// request and that the message names rule.
func requireDenied(t *testing.T, r framework.Result, rule string) {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("want the request denied by %s, but it succeeded:\n%s", rule, r)
	}
	if !strings.Contains(r.Stderr, "denied the request") || !strings.Contains(r.Stderr, rule) {
		t.Fatalf("want a webhook denial naming %s:\n%s", rule, r)
	}
}

// requireAllowed asserts that kubectl succeeded.
func requireAllowed(t *testing.T, r framework.Result) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("want the request allowed:\n%s", r)
	}
}

// requireNotFound asserts that kind/name does not exist in ns.
func requireNotFound(t *testing.T, ns, kind, name string) {
	t.Helper()
	r := kubectl(t, "", "get", "-n", ns, kind, name)
	if r.Err == nil || !strings.Contains(r.Stderr, "NotFound") {
		t.Fatalf("want %s %s/%s absent:\n%s", kind, ns, name, r)
	}
}

var ruleIDPattern = regexp.MustCompile(`IGR\d{3}`)

// ruleIDs returns the sorted, distinct rule IDs named in s.
func ruleIDs(s string) []string {
	seen := map[string]bool{}
	for _, id := range ruleIDPattern.FindAllString(s, -1) {
		seen[id] = true
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// metadataName matches metadata.name in the testdata manifests' layout.
var metadataName = regexp.MustCompile(`(?m)^  name: (\S+)$`)

// manifestName returns metadata.name of a single-object manifest.
func manifestName(t *testing.T, manifest string) string {
	t.Helper()
	m := metadataName.FindStringSubmatch(manifest)
	if m == nil {
		t.Fatal("manifest has no metadata.name")
	}
	return m[1]
}
