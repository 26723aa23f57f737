package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// The posture tests run against a cluster of their own: it is seeded with
// unhardened objects while no guardrail is installed (the shared env's
// guardrail would refuse them), which is the situation audit exists for.

// postureCluster is a control plane of its own, started once per run.
type postureCluster struct {
	once sync.Once
	c    *framework.Cluster
	err  error
}

var (
	seeded  postureCluster // the audit tests' cluster
	anchors postureCluster // the DELETE guard's cluster
)

// stopPostureClusters stops the posture clusters that were started; the
// suite calls it when the tests are done (before, they were left to the
// parent-death signal, which etcd and kube-apiserver lacked: each run left
// two API servers behind).
func stopPostureClusters() error {
	var errs []error
	for _, p := range []*postureCluster{&seeded, &anchors} {
		if p.c != nil {
			errs = append(errs, p.c.Stop())
		}
	}
	return errors.Join(errs...)
}

// start starts (once) a control plane with the Istio CRDs and the objects
// of the testdata/audit files. It lives under the suite's directory; the
// suite stops it at the end (stopPostureClusters), and its processes die
// with the test binary if that dies first (parent-death signal).
func (p *postureCluster) start(t *testing.T, name string, seeds ...string) *framework.Cluster {
	t.Helper()
	p.once.Do(func() {
		dir := filepath.Join(filepath.Dir(env.ConfigPath), "..", name)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if p.c, p.err = framework.StartCluster(ctx, framework.ClusterOptions{Dir: dir, Binaries: env.Cluster.Binaries}); p.err != nil {
			return
		}
		if p.err = p.c.InstallCRDs(ctx); p.err != nil {
			return
		}
		for _, f := range seeds {
			if r := p.c.Kubectl(ctx, "", "apply", "-f", filepath.Join("testdata", "audit", f)); r.Err != nil {
				p.err = fmt.Errorf("%w\n%s", r.Err, r.Stderr)
				return
			}
		}
	})
	if p.err != nil {
		t.Fatalf("%s cluster: %v", name, p.err)
	}
	return p.c
}

// seededCluster is the cluster seeded, before any guardrail exists, with a
// mix of hardened and unhardened namespaces.
func seededCluster(t *testing.T) *framework.Cluster {
	t.Helper()
	return seeded.start(t, "posture", "seed.yaml", "seed-namespaces.yaml", "seed-injectors.yaml")
}

// auditFinding is one finding of audit -o json, as the tests compare it.
type auditFinding struct {
	Rule      string `json:"rule"`
	Action    string `json:"action"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Field     string `json:"field"`
	Message   string `json:"message"`
}

func (f auditFinding) String() string {
	obj := f.Namespace + "/" + f.Name
	if f.Namespace == "" {
		obj = f.Name
	}
	return f.Rule + " " + f.Kind + " " + obj + " " + f.Field
}

// runAudit runs istio-guardrail audit against c and returns the exit code,
// the findings (as strings, sorted) and stderr.
func runAudit(t *testing.T, c *framework.Cluster, args ...string) (int, []string, string) {
	t.Helper()
	code, findings, stderr := auditFindings(t, c, args...)
	var got []string
	for _, f := range findings {
		got = append(got, f.String())
	}
	sort.Strings(got)
	return code, got, stderr
}

// auditFindings runs istio-guardrail audit against c and returns the exit
// code, the findings and stderr.
func auditFindings(t *testing.T, c *framework.Cluster, args ...string) (int, []auditFinding, string) {
	t.Helper()
	full := append([]string{"audit", "--kubeconfig", c.Kubeconfig, "-o", "json"}, args...)
	cmd := exec.CommandContext(t.Context(), c.Binaries.Guardrail, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("audit: %v", err)
		}
		code = ee.ExitCode()
	}
	var out struct {
		Findings []auditFinding `json:"findings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("audit output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	return code, out.Findings, stderr.String()
}

// expectedFindings reads testdata/audit/<name>: one finding per line,
// "RULE Kind namespace/name field", # comments.
func expectedFindings(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(testdata(t, filepath.Join("audit", name)), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func requireFindings(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		var missing, extra []string
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing = append(missing, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				extra = append(extra, g)
			}
		}
		t.Fatalf("findings differ:\nmissing:\n  %s\nunexpected:\n  %s", strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
	}
}

func TestAuditSeededClusterAllNamespaces(t *testing.T) {
	c := seededCluster(t)
	code, got, stderr := runAudit(t, c, "-A")
	if code != 1 {
		t.Fatalf("audit -A exit %d, want 1 (deny findings)\n%s", code, stderr)
	}
	requireFindings(t, got, expectedFindings(t, "expected-all.txt"))
}

func TestAuditSeededClusterOneNamespace(t *testing.T) {
	c := seededCluster(t)
	all := expectedFindings(t, "expected-all.txt")
	// The hardened namespace has no posture finding even though the
	// mesh-wide mode is PERMISSIVE: its own STRICT policy decides (the root
	// namespace's policies are read, but not reported, under -n). Its one
	// finding is a warning, so the exit code is 0.
	code, got, stderr := runAudit(t, c, "-n", "hardened")
	if code != 0 {
		t.Fatalf("audit -n hardened exit %d, want 0\n%s", code, stderr)
	}
	requireFindings(t, got, inNamespace(all, "hardened"))
	code, got, stderr = runAudit(t, c, "--namespace", "open", "--fail-on", "warn")
	if code != 1 {
		t.Fatalf("audit -n open exit %d, want 1\n%s", code, stderr)
	}
	requireFindings(t, got, inNamespace(all, "open"))
}

// inNamespace keeps the findings on objects of namespace ns or on ns itself.
func inNamespace(findings []string, ns string) []string {
	var out []string
	for _, f := range findings {
		if strings.Contains(f, " "+ns+"/") || strings.Contains(f, " Namespace "+ns+" ") {
			out = append(out, f)
		}
	}
	return out
}
