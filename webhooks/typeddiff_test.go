package webhooks

import (
	"encoding/json"
	"strings"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// meshPod is a pod in an injected namespace; extra is spliced into its
// first container, annotations into its metadata.
func meshPod(annotations, extra string) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"mesh"` + annotations +
		`},"spec":{"containers":[{"name":"app","image":"nginx"` + extra + `}],"futureSpecField":[1,2]}}`
}

// TestTypedPatchMatchesJSONPatch runs the real mutators on each pod and
// checks that the typed diff and the JSON diff patch the raw object into the
// same document, and that the patched object keeps unknown fields.
func TestTypedPatchMatchesJSONPatch(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := &policy.Context{Namespaces: policy.NamespaceLabels{"mesh": {"istio-injection": "enabled"}}, Operation: "CREATE"}
	tests := []struct{ desc, raw string }{
		{desc: "bare pod", raw: meshPod("", "")},
		{desc: "unknown container field", raw: meshPod("", `,"futureField":{"keep":true}`)},
		{desc: "null annotations", raw: meshPod(`,"annotations":null`, "")},
		{desc: "YAML proxy config", raw: meshPod(`,"annotations":{"proxy.istio.io/config":"concurrency: 2\n"}`, "")},
		{desc: "JSON proxy config", raw: meshPod(`,"annotations":{"proxy.istio.io/config":"{\"concurrency\":2}"}`, "")},
		{desc: "quantities spelled unusually", raw: meshPod("", `,"resources":{"requests":{"cpu":"0.1","memory":"1e6"}}`)},
		{desc: "empty lifecycle", raw: meshPod("", `,"lifecycle":{}`)},
		{desc: "null lifecycle", raw: meshPod("", `,"lifecycle":null`)},
		{desc: "blank space in raw", raw: "{ \"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"metadata\": { \"name\": \"p\", \"namespace\": \"mesh\" },\n" +
			" \"spec\": { \"containers\": [ { \"name\": \"app\", \"image\": \"nginx\" } ] } }"},
		{desc: "injected sidecar", raw: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"mesh","annotations":{"sidecar.istio.io/status":"{}"}},` +
			`"spec":{"containers":[{"name":"app","image":"nginx"},{"name":"istio-proxy","image":"proxyv2","args":["proxy","sidecar"]}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			typed, viaJSON := bothPatches(t, eng, ctx, []byte(tc.raw))
			if len(typed) == 0 {
				t.Fatal("the mutators changed nothing: the case tests nothing")
			}
			a, b := applyOps(t, tc.raw, typed), applyOps(t, tc.raw, viaJSON)
			if !jsonEqual(t, a, b) {
				t.Errorf("typed diff patched to\n%s\nJSON diff to\n%s", a, b)
			}
			var doc struct {
				Spec struct {
					Future []int `json:"futureSpecField"`
				} `json:"spec"`
			}
			if err := json.Unmarshal(a, &doc); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tc.raw, "futureSpecField") && len(doc.Spec.Future) != 2 {
				t.Errorf("unknown spec field lost: %s", a)
			}
		})
	}
}

// bothPatches mutates a decode of raw and returns the typed and the JSON
// diff of the change.
func bothPatches(t *testing.T, eng *policy.Engine, ctx *policy.Context, raw []byte) (typed, viaJSON []jsonpatch.JsonPatchOperation) {
	t.Helper()
	obj, err := manifest.FromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot(obj.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Mutate(ctx, obj); err != nil {
		t.Fatal(err)
	}
	tops, err := typedPatch(raw, snap.copy, obj.Body)
	if err != nil {
		t.Fatalf("typed diff: %v", err)
	}
	before, err := json.Marshal(snap.copy)
	if err != nil {
		t.Fatal(err)
	}
	jops, err := jsonDiffPatch(raw, before, obj.Body)
	if err != nil {
		t.Fatalf("JSON diff: %v", err)
	}
	return tops, jops
}

func TestTypedPatchCases(t *testing.T) {
	pod := func(edit func(p *corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "1", "b": "2"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "side"}}}}
		if edit != nil {
			edit(p)
		}
		return p
	}
	raw := `{"metadata":{"name":"p","labels":{"a":"1","b":"2"},"x":1},"spec":{"containers":[{"name":"app","u":true},{"name":"side"}]}}`
	tests := []struct {
		desc    string
		raw     string
		after   *corev1.Pod
		want    string
		wantOps int
	}{
		{desc: "no change, no operations", raw: raw, after: pod(nil), want: raw, wantOps: 0},
		{desc: "label removed, added and changed, unknown kept", raw: raw, wantOps: 3,
			after: pod(func(p *corev1.Pod) { p.Labels = map[string]string{"a": "9", "c/d~e": "3"} }),
			want:  `{"metadata":{"name":"p","labels":{"a":"9","c/d~e":"3"},"x":1},"spec":{"containers":[{"name":"app","u":true},{"name":"side"}]}}`},
		{desc: "pointer set under a container keeps its unknown field", raw: raw, wantOps: 1,
			after: pod(func(p *corev1.Pod) { p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{} }),
			want:  `{"metadata":{"name":"p","labels":{"a":"1","b":"2"},"x":1},"spec":{"containers":[{"name":"app","u":true,"lifecycle":{}},{"name":"side"}]}}`},
		{desc: "map under a struct absent from raw is added whole", raw: raw, wantOps: 1,
			after: pod(func(p *corev1.Pod) {
				p.Spec.Containers[1].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
			}),
			want: `{"metadata":{"name":"p","labels":{"a":"1","b":"2"},"x":1},"spec":{"containers":[{"name":"app","u":true},{"name":"side","resources":{"limits":{"cpu":"1"}}}]}}`},
		{desc: "appended and dropped elements", raw: raw, wantOps: 2,
			after: pod(func(p *corev1.Pod) {
				p.Spec.Containers = []corev1.Container{{Name: "app"}}
				p.Spec.InitContainers = []corev1.Container{{Name: "i"}}
			}),
			want: `{"metadata":{"name":"p","labels":{"a":"1","b":"2"},"x":1},"spec":{"containers":[{"name":"app","u":true}],"initContainers":[{"name":"i","resources":{}}]}}`},
		{desc: "raw list not lining up is replaced whole", raw: `{"metadata":{"name":"p","labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"app"}]}}`, wantOps: 1,
			after: pod(func(p *corev1.Pod) { p.Spec.Containers[1].Image = "x" }),
			want:  `{"metadata":{"name":"p","labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"app","resources":{}},{"name":"side","image":"x","resources":{}}]}}`},
		{desc: "raw null where an object is expected is replaced", raw: `{"metadata":null,"spec":{"containers":[{"name":"app"},{"name":"side"}]}}`, wantOps: 1,
			after: pod(func(p *corev1.Pod) { p.Labels["a"] = "2" }),
			want:  `{"metadata":{"name":"p","labels":{"a":"2","b":"2"}},"spec":{"containers":[{"name":"app"},{"name":"side"}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ops, err := typedPatch([]byte(tc.raw), pod(nil), tc.after)
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != tc.wantOps {
				t.Errorf("%d operations, want %d: %+v", len(ops), tc.wantOps, ops)
			}
			if got := applyOps(t, tc.raw, ops); !jsonEqual(t, got, []byte(tc.want)) {
				t.Errorf("patched %s\nwant    %s", got, tc.want)
			}
		})
	}
}

func TestTypedPatchUnsupportedFallsBack(t *testing.T) {
	type quoted struct {
		N int `json:"n,string"`
	}
	if _, err := typedPatch([]byte(`{"n":"1"}`), &quoted{N: 1}, &quoted{N: 2}); err == nil {
		t.Fatal("a ,string field was accepted by the typed diff")
	}
	ops, err := bodySnapshot{js: []byte(`{"n":"1"}`)}.patch([]byte(`{"n":"1","u":0}`), &quoted{N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := applyOps(t, `{"n":"1","u":0}`, ops); !jsonEqual(t, got, []byte(`{"n":"2","u":0}`)) {
		t.Errorf("fallback patched to %s", got)
	}
}

// FuzzTypedPatch mutates arbitrary pods with the real engine: the typed
// diff must patch the raw object into the same document as the JSON diff.
func FuzzTypedPatch(f *testing.F) {
	for _, seed := range []string{
		meshPod("", ""), meshPod(`,"annotations":null`, `,"lifecycle":null`),
		meshPod(`,"annotations":{"proxy.istio.io/config":"concurrency: 2\n"}`, `,"resources":{"limits":{"cpu":"2"}}`),
		meshPod(`,"labels":{"sidecar.istio.io/inject":"true"}`, `,"futureField":[{"a":1}]`),
	} {
		f.Add([]byte(seed))
	}
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		f.Fatal(err)
	}
	ctx := &policy.Context{Namespaces: policy.NamespaceLabels{"mesh": {"istio-injection": "enabled"}}, Operation: "CREATE"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		obj, err := manifest.FromJSON(raw)
		if err != nil || obj.Body == nil || !json.Valid(raw) {
			return
		}
		snap, err := snapshot(obj.Body)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := eng.Mutate(ctx, obj); err != nil || len(res.Applied) == 0 {
			return
		}
		typed, err := typedPatch(raw, snap.copy, obj.Body)
		if err != nil {
			t.Fatalf("typed diff: %v", err)
		}
		before, err := json.Marshal(snap.copy)
		if err != nil {
			t.Fatal(err)
		}
		viaJSON, err := jsonDiffPatch(raw, before, obj.Body)
		if err != nil {
			t.Fatalf("JSON diff: %v", err)
		}
		if a, b := applyOps(t, string(raw), typed), applyOps(t, string(raw), viaJSON); !jsonEqual(t, a, b) {
			t.Fatalf("typed diff patched to\n%s\nJSON diff to\n%s", a, b)
		}
	})
}
