package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The cross-object harness: a case is a set of documents (whole objects, as
// kubectl would apply them), decoded as strictly as runRuleTable decodes one
// (unknown fields fail the test), added to a ClusterIndex and judged by one
// rule through the engine. Want lists "Kind ns/name field" per finding.

// clusterCase is one row of a cross-object rule table.
type clusterCase struct {
	docs []string
	// partial: the index is a partial input (check), not a whole cluster.
	partial bool
	params  Params
	want    []string
}

// runClusterTable runs rule r over every case, in description order.
func runClusterTable(t *testing.T, r *Rule, cases map[string]clusterCase) {
	t.Helper()
	descs := make([]string, 0, len(cases))
	for d := range cases {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, desc := range descs {
		tc := cases[desc]
		t.Run(desc, func(t *testing.T) {
			idx := NewClusterIndex(!tc.partial)
			for _, d := range tc.docs {
				idx.Add(clusterObject(t, d))
			}
			p, err := effectiveParams("rule "+r.ID, r.Params, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range clusterChecks()[r.ID](idx, p) {
				checkViolationText(t, v.Violation)
			}
			settings := Settings{Rules: map[string]RuleSettings{r.ID: {Params: tc.params}}}
			e, err := NewEngine(settings)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, res := range e.ValidateCluster(idx) {
				for _, f := range res.Findings {
					if f.Rule == r.ID {
						got = append(got, res.Object.String()+" "+f.Field)
					}
				}
			}
			want := slices.Clone(tc.want)
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s findings:\n got %q\nwant %q", r.ID, got, want)
			}
		})
	}
}

// clusterObject decodes one whole object strictly.
func clusterObject(t *testing.T, doc string) *Object {
	t.Helper()
	var head struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
		Spec       any               `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
		t.Fatalf("decode test document: %v\n%s", err, doc)
	}
	group, version, _ := strings.Cut(head.APIVersion, "/")
	if version == "" {
		group, version = "", group
	}
	obj := &Object{Version: version}
	obj.GroupKind.Group, obj.GroupKind.Kind = group, head.Kind
	kind := KindOf(obj.GroupKind)
	if newSpec, ok := istioSpecs[kind]; ok {
		spec, err := yaml.Marshal(head.Spec)
		if err != nil {
			t.Fatal(err)
		}
		if head.Spec == nil {
			spec = nil
		}
		obj.Body = strictSpec(t, newSpec(), string(spec))
		meta := head.Metadata
		obj.Meta = &meta
		return obj
	}
	typed := newTypedObject(t, kind, "clusterObject")
	strictYAML(t, doc, typed)
	obj.Body, obj.Meta = typed, typed.GetObjectMeta().(*metav1.ObjectMeta)
	return obj
}

// Document builders for the tables.

func nsDoc(name string, labels ...string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n%s", name, labelsYAML("  ", labels))
}

func labelsYAML(indent string, kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(indent + "labels:\n")
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, "%s  %s: %q\n", indent, kv[i], kv[i+1])
	}
	return b.String()
}

// paDoc is a PeerAuthentication created at minute min of the test's day.
func paDoc(ns, name string, min int, spec string) string {
	return fmt.Sprintf("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: %s\n  namespace: %s\n"+
		"  creationTimestamp: \"2026-01-01T00:%02d:00Z\"\nspec:\n%s", name, ns, min, indent(spec, "  "))
}

func apDoc(ns, name, spec string) string {
	if strings.TrimSpace(spec) == "" {
		return fmt.Sprintf("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: %s\n  namespace: %s\nspec: {}\n", name, ns)
	}
	return fmt.Sprintf("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%s", name, ns, indent(spec, "  "))
}

func drDoc(ns, name, spec string) string {
	return fmt.Sprintf("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%s", name, ns, indent(spec, "  "))
}

// runningPodDoc is a running pod; sidecar adds an injected istio-proxy.
func runningPodDoc(ns, name string, sidecar bool, labels ...string) string {
	containers := "  - name: app\n    image: app\n    ports:\n    - containerPort: 8080\n"
	if sidecar {
		containers += "  - name: istio-proxy\n    image: proxyv2\n"
	}
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n%sspec:\n  containers:\n%sstatus:\n  phase: Running\n",
		name, ns, labelsYAML("  ", labels), containers)
}

func svcDoc(ns, name, selector string, port, target int) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  selector:\n    app: %s\n"+
		"  ports:\n  - port: %d\n    targetPort: %d\n", name, ns, selector, port, target)
}

func netpolDoc(ns string) string {
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: %s\nspec:\n  podSelector: {}\n", ns)
}

// injectorDoc is a sidecar injector webhook configuration of revision rev
// (and tag, if not empty) as Istio's charts label it.
func injectorDoc(name, rev, tag string) string {
	labels := []string{"istio.io/rev", rev}
	if tag != "" {
		labels = append(labels, "istio.io/tag", tag)
	}
	return fmt.Sprintf("apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: %s\n%s"+
		"webhooks:\n- name: rev.namespace.sidecar-injector.istio.io\n  admissionReviewVersions: [v1]\n  sideEffects: None\n"+
		"  clientConfig:\n    service:\n      name: istiod\n      namespace: istio-system\n", name, labelsYAML("  ", labels))
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

const (
	strictSpecYAML     = "mtls:\n  mode: STRICT\n"
	permissiveSpecYAML = "mtls:\n  mode: PERMISSIVE\n"
)

// meshStrict is a mesh-wide STRICT policy.
var meshStrict = paDoc("istio-system", "default", 0, strictSpecYAML)

func TestClusterIndexIgnoresFinishedPodsAndForeignBodies(t *testing.T) {
	idx := NewClusterIndex(true)
	done := strings.Replace(runningPodDoc("shop", "job", false, "app", "job"), "phase: Running", "phase: Succeeded", 1)
	idx.Add(clusterObject(t, done))
	idx.Add(&Object{GroupKind: KindPod.GroupKind(), Meta: &metav1.ObjectMeta{Name: "x", Namespace: "shop"}, Body: "not a pod"})
	idx.Add(nil)
	idx.Add(&Object{GroupKind: KindPeerAuthentication.GroupKind()})
	if len(idx.pods) != 0 || len(idx.peerAuths) != 0 {
		t.Fatalf("index kept %d pods and %d policies, want none", len(idx.pods), len(idx.peerAuths))
	}
}

func TestValidateClusterHonoursExemptions(t *testing.T) {
	exempt := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n    istio-injection: enabled\n" +
		"  annotations:\n    istio-guardrail.io/exempt: IGR805\n    istio-guardrail.io/exempt-reason: flat network\n"
	idx := NewClusterIndex(true)
	for _, d := range []string{exempt, nsDoc("shop", "istio-injection", "enabled"), nsDoc("skipped", "istio-injection", "enabled")} {
		idx.Add(clusterObject(t, d))
	}
	e, err := NewEngine(Settings{ExemptNamespaces: []string{"skip*"}})
	if err != nil {
		t.Fatal(err)
	}
	var got, exempted []string
	for _, res := range e.ValidateCluster(idx) {
		for _, f := range res.Findings {
			if f.Rule == "IGR805" {
				got = append(got, res.Object.String())
			}
		}
		for _, x := range res.Exempted {
			exempted = append(exempted, res.Object.String()+" "+x.Rule+" "+x.Reason)
		}
	}
	if want := []string{"Namespace shop"}; !slices.Equal(got, want) {
		t.Errorf("IGR805 on %q, want %q", got, want)
	}
	if want := []string{"Namespace legacy IGR805 flat network"}; !slices.Equal(exempted, want) {
		t.Errorf("exempted %q, want %q", exempted, want)
	}
}

func TestValidateClusterSkipsRulesTurnedOff(t *testing.T) {
	idx := NewClusterIndex(true)
	idx.Add(clusterObject(t, nsDoc("shop", "istio-injection", "enabled")))
	off := map[string]RuleSettings{}
	for id := range clusterChecks() {
		off[id] = RuleSettings{Action: ActionOff}
	}
	e, err := NewEngine(Settings{Rules: off})
	if err != nil {
		t.Fatal(err)
	}
	if res := e.ValidateCluster(idx); len(res) != 0 {
		t.Fatalf("rules turned off still found %+v", res)
	}
}

func TestCrossObjectRulesFindNothingPerObject(t *testing.T) {
	for _, r := range rulesBetween(t, "IGR801", "IGR899") {
		if r.Cluster == nil && r.ID != "IGR810" { // IGR810: ValidateDelete
			t.Errorf("%s has no cluster check", r.ID)
		}
		obj := clusterObject(t, nsDoc("shop", "istio-injection", "enabled"))
		if got := r.Check(&Context{}, obj, defaults(r.Params)); len(got) != 0 {
			t.Errorf("%s per-object Check found %v", r.ID, got)
		}
	}
}

// TestPartialIndexKeepsOnlyWhatItsRulesRead: a partial index (check's files)
// leaves out the AuthorizationPolicies and pods' sidecar facts that only
// the whole-cluster rules read, but keeps the pod as a workload; a complete
// one keeps them all. Its policies share one copy of namespaces and label keys.
func TestPartialIndexKeepsOnlyWhatItsRulesRead(t *testing.T) {
	docs := []string{
		apDoc("shop", "allow", "selector:\n  matchLabels:\n    app: web\naction: ALLOW\n"),
		runningPodDoc("shop", "web-1", true, "app", "web"),
		paDoc("shop", "a", 1, "selector:\n  matchLabels:\n    app: web\n    tier: front\nportLevelMtls:\n  9090:\n    mode: DISABLE\n  80:\n    mode: STRICT\n"),
		paDoc("shop", "b", 2, "selector:\n  matchLabels:\n    app: web\nmtls:\n  mode: STRICT\n"),
	}
	for _, complete := range []bool{true, false} {
		idx := NewClusterIndex(complete)
		for _, d := range docs {
			idx.Add(clusterObject(t, d))
		}
		want := 0
		if complete {
			want = 1
		}
		if len(idx.authzs) != want || len(idx.pods) != want || len(idx.workloads) != 1 || len(idx.peerAuths) != 2 {
			t.Errorf("complete=%v: %d authorization policies, %d pods, %d workloads, %d peer authentications; want %d, %d, 1, 2",
				complete, len(idx.authzs), len(idx.pods), len(idx.workloads), len(idx.peerAuths), want, want)
		}
		a, b := idx.peerAuths[0], idx.peerAuths[1]
		if got := strings.Join(a.selector, ","); got != "app,web,tier,front" {
			t.Errorf("selector %q, want app,web,tier,front (key order)", got)
		}
		if len(a.ports) != 2 || a.ports[0].port != 80 || a.ports[1].port != 9090 {
			t.Errorf("ports %v, want 80 then 9090", a.ports)
		}
		if unsafe.StringData(a.ref.Namespace) != unsafe.StringData(b.ref.Namespace) ||
			unsafe.StringData(a.selector[0]) != unsafe.StringData(b.selector[0]) {
			t.Error("the namespace and the label key of both policies are two copies, want one")
		}
	}
}

func TestMatchLabelsMatchesAsSelectorMatches(t *testing.T) {
	idx := NewClusterIndex(false)
	labels := map[string]string{"app": "web", "tier": "front"}
	for _, sel := range []map[string]string{nil, {}, {"app": "web"}, {"app": "db"}, {"app": "web", "tier": "front"},
		{"app": "web", "tier": "back"}, {"zone": ""}, {"app": "web", "tier": "front", "x": "y"}} {
		if got, want := idx.matchLabelsOf(sel).matches(labels), selectorMatches(sel, labels); got != want {
			t.Errorf("%v: matches %v, selectorMatches %v", sel, got, want)
		}
	}
}
