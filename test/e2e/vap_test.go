package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/istio-guardrail/istio-guardrail/admissionpolicy"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
)

// vapName and vapNamespace place the generated objects in the VAP cluster.
const (
	vapName      = "istio-guardrail"
	vapNamespace = "istio-guardrail"
	// vapUnjudged is excluded from every binding.
	vapUnjudged = "vap-unjudged"
)

// vapCluster is a second control plane with the Istio CRDs and no webhook:
// only the ValidatingAdmissionPolicies judge there.
type vapCluster struct {
	c        *framework.Cluster
	dyn      dynamic.Interface
	warnings *warningLog
}

// warningLog collects the API server's warnings of the requests in flight
// (the tests send one at a time).
type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

func startVAPCluster(t *testing.T) *vapCluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), setupTimeout)
	defer cancel()
	c, err := framework.StartCluster(ctx, framework.ClusterOptions{Dir: t.TempDir(), Binaries: env.Cluster.Binaries})
	if err != nil {
		t.Fatalf("start the VAP cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop the VAP cluster: %v", err)
		}
	})
	if err := c.InstallCRDs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateNamespace(ctx, vapNamespace, nil); err != nil {
		t.Fatal(err)
	}
	v := &vapCluster{c: c, warnings: &warningLog{}}
	cfg := rest.CopyConfig(c.Config)
	cfg.WarningHandler = v.warnings
	cfg.QPS = -1 // no client-side rate limit: latency is measured one request after another
	if v.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	return v
}

// install generates the policies for a GuardrailConfig and creates or
// replaces them. The API server compiles every expression on create and
// rejects one that does not compile.
func (v *vapCluster) install(t *testing.T, s policy.Settings) *admissionpolicy.Output {
	t.Helper()
	out, err := admissionpolicy.Generate(s, admissionpolicy.Options{Name: vapName, Namespace: vapNamespace,
		ExcludeNamespaces: []string{"kube-system", "kube-node-lease", vapNamespace, vapUnjudged}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cms := v.c.Client.CoreV1().ConfigMaps(vapNamespace)
	if cur, err := cms.Get(ctx, out.Params.Name, metav1.GetOptions{}); err == nil {
		p := out.Params.DeepCopy()
		p.ResourceVersion = cur.ResourceVersion
		_, err = cms.Update(ctx, p, metav1.UpdateOptions{})
		requireNoErr(t, err)
	} else {
		_, err = cms.Create(ctx, out.Params, metav1.CreateOptions{})
		requireNoErr(t, err)
	}
	adm := v.c.Client.AdmissionregistrationV1()
	for _, p := range out.Policies {
		if cur, err := adm.ValidatingAdmissionPolicies().Get(ctx, p.Name, metav1.GetOptions{}); err == nil {
			p = p.DeepCopy()
			p.ResourceVersion = cur.ResourceVersion
			_, err = adm.ValidatingAdmissionPolicies().Update(ctx, p, metav1.UpdateOptions{})
			requireNoErr(t, err)
			continue
		}
		_, err := adm.ValidatingAdmissionPolicies().Create(ctx, p, metav1.CreateOptions{})
		requireNoErr(t, err)
	}
	for _, b := range out.Bindings {
		if cur, err := adm.ValidatingAdmissionPolicyBindings().Get(ctx, b.Name, metav1.GetOptions{}); err == nil {
			b = b.DeepCopy()
			b.ResourceVersion = cur.ResourceVersion
			_, err = adm.ValidatingAdmissionPolicyBindings().Update(ctx, b, metav1.UpdateOptions{})
			requireNoErr(t, err)
			continue
		}
		_, err := adm.ValidatingAdmissionPolicyBindings().Create(ctx, b, metav1.CreateOptions{})
		requireNoErr(t, err)
	}
	return out
}

// uninstall deletes every binding, so no policy judges any more.
func (v *vapCluster) uninstall(t *testing.T) {
	t.Helper()
	err := v.c.Client.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().DeleteCollection(t.Context(),
		metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: admissionpolicy.LabelRule})
	requireNoErr(t, err)
}

func requireNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// probePA is denied (or warned, under an all-warn config) by IGR101's policy.
var probePA = map[string]any{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
	"metadata": map[string]any{"name": "vap-probe", "namespace": "default"},
	"spec":     map[string]any{"mtls": map[string]any{"mode": "PERMISSIVE"}}}

// waitFor polls a dry-run of the probe until ok accepts the outcome: the
// API server's policy informers pick up changes asynchronously.
func (v *vapCluster) waitFor(t *testing.T, what string, ok func(err error, warnings []string) bool) {
	t.Helper()
	err := framework.Poll(t.Context(), 30*time.Second, 200*time.Millisecond, func(ctx context.Context) error {
		err, warnings := v.dryRunCreate(ctx, &unstructured.Unstructured{Object: probePA})
		if ok(err, warnings) {
			return nil
		}
		return fmt.Errorf("policies not %s yet: err=%v warnings=%v", what, err, warnings)
	})
	requireNoErr(t, err)
}

// waitInForce waits until the policy of every rule that the engine alone
// flags in some case is in force: that case's dry run is refused (deny) or
// warned (warn) naming the rule. The API server loads policies and bindings
// one by one, so the first policy working says nothing of the others. A
// policy that never takes effect is left to the comparison that follows,
// which then fails naming it.
func (v *vapCluster) waitInForce(t *testing.T, eng *policy.Engine, cases []vapCase, action policy.Action) {
	t.Helper()
	probes := map[string]*unstructured.Unstructured{}
	for _, c := range cases {
		if ids := engineVerdict(t, eng, c.stored)[action]; len(ids) == 1 && probes[ids[0]] == nil {
			probes[ids[0]] = c.stored
		}
	}
	err := framework.Poll(t.Context(), time.Minute, 250*time.Millisecond, func(ctx context.Context) error {
		for id, u := range probes {
			err, warnings := v.dryRunCreate(ctx, u)
			text := strings.Join(warnings, "\n")
			if action == policy.ActionDeny {
				if err == nil {
					return fmt.Errorf("the policy of %s is not in force yet", id)
				}
				text = err.Error()
			}
			if !slices.Contains(ruleIDs(text), id) {
				return fmt.Errorf("the policy of %s is not in force yet", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Logf("%v after a minute; comparing anyway", err)
	}
}

// gvr returns the resource of an object's kind.
func gvr(u *unstructured.Unstructured) (schema.GroupVersionResource, bool) {
	gvk := u.GroupVersionKind()
	res, ok := admissionpolicy.Resource(policy.KindOf(gvk.GroupKind()))
	return gvk.GroupVersion().WithResource(res), ok
}

// dryRunCreate sends a server-side dry-run CREATE and returns its error and warnings.
func (v *vapCluster) dryRunCreate(ctx context.Context, u *unstructured.Unstructured) (error, []string) {
	_, err := v.create(ctx, u)
	return err, v.warnings.take()
}

func (v *vapCluster) create(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r, ok := gvr(u)
	if !ok {
		return nil, fmt.Errorf("no resource for %s", u.GroupVersionKind())
	}
	opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if u.GetNamespace() == "" {
		return v.dyn.Resource(r).Create(ctx, u, opts)
	}
	return v.dyn.Resource(r).Namespace(u.GetNamespace()).Create(ctx, u, opts)
}

// vapCase is one golden document of a kind some CEL form judges, as the API
// server stores it.
type vapCase struct {
	name   string // file:line
	stored *unstructured.Unstructured
}

// vapCorpusFiles are every golden input: the check golden cases, the rule
// golden files and the e2e testdata.
func vapCorpusFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, g := range []string{
		"../golden/check/testdata/cases/*.yaml", "../golden/check/testdata/cases/*.json",
		"../../policy/testdata/*.yaml", "testdata/*/*.yaml",
	} {
		m, err := filepath.Glob(g)
		requireNoErr(t, err)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("golden corpus not found: %v", files)
	}
	return files
}

// formKinds are the kinds some rule with a CEL form targets.
func formKinds() map[policy.Kind]bool {
	forms := policy.CELForms()
	out := map[policy.Kind]bool{}
	for _, r := range policy.Catalogue() {
		if _, ok := forms[r.ID]; ok {
			for _, k := range r.Targets {
				out[k] = true
			}
		}
	}
	return out
}

// storedCases decodes the corpus, creates the namespaces it uses and
// returns each document of a judged kind as a dry-run CREATE stores it with
// no policy installed (pruned and defaulted). Documents the API server
// itself refuses (schema or CRD validation) cannot exist in a cluster and
// are counted, not compared. Namespace documents get unique names so that
// they never collide with the namespaces the other documents need.
func (v *vapCluster) storedCases(t *testing.T) []vapCase {
	t.Helper()
	kinds := formKinds()
	var docs []vapCase
	namespaces := map[string]bool{}
	for _, f := range vapCorpusFiles(t) {
		data, err := os.ReadFile(f)
		requireNoErr(t, err)
		ds, _ := manifest.Parse(f, data, manifest.Options{}) // parse errors are other suites' cases
		for i, d := range ds {
			if !kinds[policy.KindOf(d.Object.GroupKind)] {
				continue
			}
			u := &unstructured.Unstructured{}
			if err := json.Unmarshal(d.Raw, &u.Object); err != nil {
				t.Fatalf("%s:%d: %v", f, d.Line, err)
			}
			if policy.KindOf(d.Object.GroupKind) == policy.KindNamespace {
				u.SetName(fmt.Sprintf("vap-case-%d-%d", len(docs), i))
			} else {
				u.SetNamespace(d.Object.Meta.Namespace)
				namespaces[d.Object.Meta.Namespace] = true
			}
			docs = append(docs, vapCase{name: fmt.Sprintf("%s:%d", f, d.Line), stored: u})
		}
	}
	for ns := range namespaces {
		requireNoErr(t, v.c.CreateNamespace(t.Context(), ns, nil))
	}
	var out []vapCase
	refused := 0
	for _, d := range docs {
		stored, err := v.create(t.Context(), d.stored)
		if err != nil {
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Fatalf("%s: dry-run create without policies: %v", d.name, err)
			}
			refused++
			continue
		}
		v.warnings.take()
		out = append(out, vapCase{name: d.name, stored: stored})
	}
	t.Logf("VAP corpus: %d documents of judged kinds, %d refused by the API server itself, %d compared", len(docs), refused, len(out))
	if len(out) < 50 {
		t.Fatalf("only %d storable golden documents of judged kinds", len(out))
	}
	return out
}

// engineVerdict is what the engine, with only the rules that have a CEL
// form enabled at the given actions, finds in a stored object: rule IDs by action.
func engineVerdict(t *testing.T, eng *policy.Engine, u *unstructured.Unstructured) map[policy.Action][]string {
	t.Helper()
	raw, err := json.Marshal(u.Object)
	requireNoErr(t, err)
	obj, err := manifest.FromJSON(raw)
	requireNoErr(t, err)
	if obj.Meta != nil && u.GetNamespace() != "" {
		obj.Meta.Namespace = u.GetNamespace()
	}
	out := map[policy.Action][]string{}
	for _, f := range eng.Validate(&policy.Context{Operation: "CREATE"}, obj).Findings {
		if !slices.Contains(out[f.Action], f.Rule) {
			out[f.Action] = append(out[f.Action], f.Rule)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// formSettings enables only the rules with a CEL form (at their default
// action, or at action if set) and switches every other rule off.
func formSettings(action policy.Action) policy.Settings {
	forms := policy.CELForms()
	s := policy.Settings{ExemptableRules: []string{}, Rules: map[string]policy.RuleSettings{}}
	for _, r := range policy.Catalogue() {
		switch _, ok := forms[r.ID]; {
		case !ok:
			s.Rules[r.ID] = policy.RuleSettings{Action: policy.ActionOff}
		case action != "":
			s.Rules[r.ID] = policy.RuleSettings{Action: action}
		}
	}
	return s
}

func mustEngine(t *testing.T, s policy.Settings) *policy.Engine {
	t.Helper()
	eng, err := policy.NewEngine(s)
	requireNoErr(t, err)
	return eng
}

// TestValidatingAdmissionPolicies runs the generated policies on a real API
// server with no webhook installed: parity with the engine on every golden
// document, the CEL cost of the largest objects the API server accepts, and
// the admission latency of policies against the webhook on the same objects.
func TestValidatingAdmissionPolicies(t *testing.T) {
	v := startVAPCluster(t)
	cases := v.storedCases(t)

	t.Run("parity at the default actions", func(t *testing.T) {
		s := formSettings("")
		v.install(t, s)
		v.waitFor(t, "denying", func(err error, _ []string) bool { return err != nil && strings.Contains(err.Error(), "IGR101") })
		eng := mustEngine(t, s)
		v.waitInForce(t, eng, cases, policy.ActionDeny)
		denied, allowed := 0, 0
		for _, c := range cases {
			want := engineVerdict(t, eng, c.stored)
			err, warnings := v.dryRunCreate(t.Context(), c.stored)
			if len(want[policy.ActionDeny]) > 0 {
				denied++
				if err == nil || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
					t.Errorf("%s: the engine denies %v, the policies allowed it (err=%v)", c.name, want[policy.ActionDeny], err)
					continue
				}
				got := ruleIDs(err.Error())
				if len(got) != 1 || !slices.Contains(want[policy.ActionDeny], got[0]) {
					t.Errorf("%s: the engine denies %v, the policies denied naming %v: %v", c.name, want[policy.ActionDeny], got, err)
				}
				continue
			}
			allowed++
			if err != nil {
				t.Errorf("%s: the engine allows it, the policies refused it: %v", c.name, err)
				continue
			}
			if got := ruleIDs(strings.Join(warnings, "\n")); !slices.Equal(got, want[policy.ActionWarn]) {
				t.Errorf("%s: the engine warns %v, the policies warned %v: %v", c.name, want[policy.ActionWarn], got, warnings)
			}
		}
		t.Logf("parity: %d denied, %d allowed, by both", denied, allowed)
		if denied == 0 || allowed == 0 {
			t.Errorf("the corpus must have denied and allowed documents: %d denied, %d allowed", denied, allowed)
		}
	})

	t.Run("parity of every finding, all rules at warn", func(t *testing.T) {
		// Deny reports only the first failing policy; Warn reports each one,
		// so every rule the engine finds must be named.
		s := formSettings(policy.ActionWarn)
		v.install(t, s)
		v.waitFor(t, "warning", func(err error, w []string) bool {
			return err == nil && strings.Contains(strings.Join(w, " "), "IGR101")
		})
		eng := mustEngine(t, s)
		v.waitInForce(t, eng, cases, policy.ActionWarn)
		found := map[string]int{}
		for _, c := range cases {
			want := engineVerdict(t, eng, c.stored)[policy.ActionWarn]
			err, warnings := v.dryRunCreate(t.Context(), c.stored)
			if err != nil {
				t.Errorf("%s: refused under an all-warn config: %v", c.name, err)
				continue
			}
			got := ruleIDs(strings.Join(warnings, "\n"))
			if !slices.Equal(got, want) {
				t.Errorf("%s: the engine finds %v, the policies warned %v: %v", c.name, want, got, warnings)
			}
			for _, id := range got {
				found[id]++
			}
		}
		for _, id := range policy.CELFormIDs() {
			if found[id] == 0 {
				t.Errorf("no golden document has a %s finding: the corpus does not test its policy", id)
			}
		}
		t.Logf("findings by rule, both agreeing: %v", found)
	})

	t.Run("metadata-only updates ratchet as the webhook does", func(t *testing.T) { testVAPUpdates(t, v) })
	t.Run("exemptions honoured where the engine honours them", func(t *testing.T) { testVAPExemptions(t, v) })

	t.Run("CEL cost of the largest objects within the API server's budget", func(t *testing.T) {
		s := formSettings("")
		v.install(t, s)
		v.waitFor(t, "denying", func(err error, _ []string) bool { return err != nil && strings.Contains(err.Error(), "IGR101") })
		requireNoErr(t, v.c.CreateNamespace(t.Context(), vapUnjudged, nil))
		testVAPCost(t, v, vapUnjudged)
	})

	t.Run("admission latency against the webhook", func(t *testing.T) {
		measureVAPLatency(t, v, cases)
	})
}

// requireVAPDenied asserts a policy denial naming rule.
func requireVAPDenied(t *testing.T, err error, rule string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") || !slices.Equal(ruleIDs(err.Error()), []string{rule}) {
		t.Fatalf("want a policy denial naming %s, got %v", rule, err)
	}
}
