package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// reportBound is how long the background audit may take to publish what
// changed (evaluations every second in these tests, leases of three).
const reportBound = 45 * time.Second

// auditServeArgs run the background audit fast enough for a test.
var auditServeArgs = []string{"--audit", "--audit-interval=1s", "--audit-lease-duration=3s",
	"--audit-renew-deadline=2s", "--audit-retry-period=500ms", "--audit-discovery-interval=2s"}

// publishedReport is the part of a Report (or ClusterReport) the tests read.
type publishedReport struct {
	Metadata struct {
		Namespace       string            `json:"namespace"`
		ResourceVersion string            `json:"resourceVersion"`
		Annotations     map[string]string `json:"annotations"`
	} `json:"metadata"`
	Results []struct {
		Policy   string `json:"policy"`
		Rule     string `json:"rule"`
		Result   string `json:"result"`
		Subjects []struct {
			Kind, Namespace, Name string
		} `json:"resources"`
	} `json:"results"`
}

// reports lists the reports the background audit published, and their
// findings as "RULE Kind namespace/name field", sorted.
func reports(ctx context.Context, c *framework.Cluster) ([]publishedReport, []string, error) {
	var all []publishedReport
	for _, kind := range []string{"reports.openreports.io", "clusterreports.openreports.io"} {
		r := c.Kubectl(ctx, "", "get", kind, "-A", "-l", "app.kubernetes.io/managed-by=istio-guardrail", "-o", "json")
		if r.Err != nil {
			return nil, nil, fmt.Errorf("%w\n%s", r.Err, r.Stderr)
		}
		var list struct {
			Items []publishedReport `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
			return nil, nil, err
		}
		all = append(all, list.Items...)
	}
	var findings []string
	for _, rep := range all {
		for _, res := range rep.Results {
			if len(res.Subjects) == 0 { // an error: a kind the audit could not list
				findings = append(findings, res.Policy+" "+res.Rule)
				continue
			}
			s := res.Subjects[0]
			obj := s.Namespace + "/" + s.Name
			if s.Namespace == "" {
				obj = s.Name
			}
			findings = append(findings, res.Policy+" "+s.Kind+" "+obj+" "+res.Rule)
		}
	}
	sort.Strings(findings)
	return all, findings, nil
}

// waitReports waits until the published findings equal want.
func waitReports(t *testing.T, c *framework.Cluster, want []string) []publishedReport {
	t.Helper()
	var got []string
	var reps []publishedReport
	err := framework.Poll(t.Context(), reportBound, time.Second, func(ctx context.Context) error {
		var err error
		if reps, got, err = reports(ctx, c); err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	if err != nil {
		requireFindings(t, got, want)
	}
	return reps
}

// startAuditors starts two serve replicas with the background audit against c.
func startAuditors(t *testing.T, c *framework.Cluster) []*framework.Guardrail {
	t.Helper()
	if r := c.Kubectl(t.Context(), "", "apply", "-f", filepath.Join("..", "..", "charts", "istio-guardrail", "crds", "openreports.yaml")); r.Err != nil {
		t.Fatalf("install the OpenReports CRDs: %s", r)
	}
	if r := c.Kubectl(t.Context(), "", "wait", "--for=condition=Established", "--timeout=60s", "crd/reports.openreports.io", "crd/clusterreports.openreports.io"); r.Err != nil {
		t.Fatalf("CRDs: %s", r)
	}
	if r := c.Kubectl(t.Context(), "", "create", "namespace", "istio-guardrail"); r.Err != nil && !strings.Contains(r.Stderr, "AlreadyExists") {
		t.Fatalf("namespace: %s", r)
	}
	var gs []*framework.Guardrail
	for _, name := range []string{"auditor-a", "auditor-b"} {
		g, err := framework.StartGuardrail(t.Context(), framework.GuardrailOptions{Name: name, Dir: c.Dir, Binary: c.Binaries.Guardrail,
			Namespace: "istio-guardrail", Kubeconfig: c.Kubeconfig, ExtraArgs: auditServeArgs})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Stop() })
		gs = append(gs, g)
	}
	return gs
}

// leaseHolder is the identity holding the audit Lease.
func leaseHolder(t *testing.T, c *framework.Cluster) string {
	t.Helper()
	r := c.Kubectl(t.Context(), "", "get", "lease", "istio-guardrail-audit", "-n", "istio-guardrail", "-o", "jsonpath={.spec.holderIdentity}")
	if r.Err != nil {
		t.Fatalf("lease: %s", r)
	}
	return strings.TrimSpace(r.Stdout)
}

// leaderOf returns the replica whose log says it leads as identity id.
func leaderOf(t *testing.T, gs []*framework.Guardrail, id string) (leader, other *framework.Guardrail) {
	t.Helper()
	for i, g := range gs {
		b, err := os.ReadFile(g.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"msg":"leading the background audit","identity":"`+id+`"`) {
			return g, gs[1-i]
		}
	}
	t.Fatalf("no replica logs leading as %q", id)
	return nil, nil
}

func TestBackgroundAuditPublishesReportsAndSurvivesLeaderLoss(t *testing.T) {
	c := seededCluster(t)
	t.Cleanup(func() { restoreSeed(t, c) })
	gs := startAuditors(t, c)
	want := expectedFindings(t, "expected-all.txt")

	// 1. The reports say what audit -A says, written by one replica only.
	reps := waitReports(t, c, want)
	t.Logf("kubectl get reports -A:\n%s", c.Kubectl(t.Context(), "", "get", "reports.openreports.io", "-A").Stdout)
	leaderID := leaseHolder(t, c)
	for _, r := range reps {
		if w := r.Metadata.Annotations["istio-guardrail.io/writer"]; w != leaderID {
			t.Errorf("report in %q written by %q, the leader is %q", r.Metadata.Namespace, w, leaderID)
		}
	}

	// The leader's posture gauges say the same.
	leader0, follower0 := leaderOf(t, gs, leaderID)
	for _, want := range []string{`istio_guardrail_posture_leader 1`, `istio_guardrail_posture_findings{namespace="open",result="fail"} 6`} {
		if m := scrapeReplica(t, leader0); !strings.Contains(m, want) {
			t.Errorf("leader metrics lack %q", want)
		}
	}
	if m := scrapeReplica(t, follower0); !strings.Contains(m, "istio_guardrail_posture_leader 0") || strings.Contains(m, "istio_guardrail_posture_findings{") {
		t.Error("the follower must report no posture and leader 0")
	}

	// 2. Nothing changes: no report is written again.
	versions := map[string]string{}
	for _, r := range reps {
		versions[r.Metadata.Namespace] = r.Metadata.ResourceVersion
	}
	time.Sleep(4 * time.Second) // four evaluations
	reps, _, err := reports(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if versions[r.Metadata.Namespace] != r.Metadata.ResourceVersion {
			t.Errorf("report in %q rewritten though nothing changed", r.Metadata.Namespace)
		}
	}

	// 3. A deleted deny-all and a relabelled namespace show up.
	if r := c.Kubectl(t.Context(), "", "delete", "authorizationpolicies.security.istio.io", "deny-all", "-n", "hardened"); r.Err != nil {
		t.Fatal(r)
	}
	if r := c.Kubectl(t.Context(), "", "label", "namespace", "tools", "istio-injection=enabled"); r.Err != nil {
		t.Fatal(r)
	}
	changed := append(slices.Clone(want),
		"IGR804 Namespace hardened metadata.labels[istio-injection]",
		"IGR802 Namespace tools metadata.labels[istio-injection]",
		"IGR804 Namespace tools metadata.labels[istio-injection]",
		"IGR805 Namespace tools metadata.labels[istio-injection]",
		"IGR807 Pod tools/worker spec.containers")
	sort.Strings(changed)
	waitReports(t, c, changed)

	// 4. Kill the leader: the other replica takes the Lease and is the one
	// writer of what changes next.
	leader, other := leaderOf(t, gs, leaderID)
	if err := syscall.Kill(leader.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var newID string
	if err := framework.Poll(t.Context(), reportBound, 500*time.Millisecond, func(context.Context) error {
		if newID = leaseHolder(t, c); newID == leaderID || newID == "" {
			return fmt.Errorf("lease still held by %q", newID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if l, _ := leaderOf(t, []*framework.Guardrail{other, leader}, newID); l != other {
		t.Fatal("the new lease holder is not the surviving replica")
	}
	if r := c.Kubectl(t.Context(), "", "label", "namespace", "tools", "istio-injection-"); r.Err != nil {
		t.Fatal(r)
	}
	if r := c.Kubectl(t.Context(), "", "delete", "authorizationpolicies.security.istio.io", "deny-all", "-n", "moved"); r.Err != nil {
		t.Fatal(r)
	}
	after := slices.DeleteFunc(slices.Clone(changed), func(f string) bool { return strings.Contains(f, "tools") })
	after = append(after, "IGR804 Namespace moved metadata.labels[istio.io/rev]")
	sort.Strings(after)
	reps = waitReports(t, c, after)
	for _, r := range reps {
		w := r.Metadata.Annotations["istio-guardrail.io/writer"]
		switch {
		case r.Metadata.Namespace == "moved" && w != newID:
			t.Errorf("moved's report, changed after the failover, written by %q, want the new leader %q", w, newID)
		case w != leaderID && w != newID:
			t.Errorf("report in %q written by %q, neither leader", r.Metadata.Namespace, w)
		}
	}
	if tools := c.Kubectl(t.Context(), "", "get", "reports.openreports.io", "-n", "tools", "-o", "name"); strings.TrimSpace(tools.Stdout) != "" {
		t.Errorf("the tools report outlived its findings: %s", tools)
	}

	// 5. A CRD deleted on purpose (Telemetry, which the seed does not use):
	// once discovery no longer serves it, the kind is retired, not named as
	// an error result in every report, and stays so (its informer's relists
	// are answered NotFound from the deletion on: without the retirement the
	// error appears within a second or two and stays).
	crd := "customresourcedefinitions.apiextensions.k8s.io/telemetries.telemetry.istio.io"
	if r := c.Kubectl(t.Context(), "", "delete", crd, "--wait=true"); r.Err != nil {
		t.Fatal(r)
	}
	t.Cleanup(func() {
		if err := c.InstallCRDs(context.Background()); err != nil {
			t.Errorf("reinstall the Telemetry CRD: %v", err)
		}
	})
	waitReports(t, c, after)
	time.Sleep(8 * time.Second) // four rediscoveries, eight evaluations
	if _, got, err := reports(t.Context(), c); err != nil {
		t.Fatal(err)
	} else {
		requireFindings(t, got, after)
	}
}

// scrapeReplica returns a replica's /metrics.
func scrapeReplica(t *testing.T, g *framework.Guardrail) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/metrics", g.MetricsPort), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// restoreSeed puts back what the report test changed, for tests run after it.
func restoreSeed(t *testing.T, c *framework.Cluster) {
	ctx := context.Background()
	c.Kubectl(ctx, "", "label", "namespace", "tools", "istio-injection-")
	c.Kubectl(ctx, "", "apply", "-f", filepath.Join("testdata", "audit", "seed-namespaces.yaml"))
}
