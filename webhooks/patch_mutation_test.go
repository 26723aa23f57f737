package webhooks

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// meshPod is a pod in an injected namespace; extra is spliced into its
// first container, annotations into its metadata. futureSpecField is a
// field the Go types do not know.
func meshPod(annotations, extra string) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"mesh"` + annotations +
		`},"spec":{"containers":[{"name":"app","image":"nginx"` + extra + `}],"futureSpecField":[1,2]}}`
}

// checkMutationPatch runs the real mutators on raw and holds the patch to
// what admission needs of it: applied to raw it yields, read through the Go
// types, exactly the mutated object; it keeps every field the Go types do
// not know, as raw has it; and mutating the patched object again changes
// nothing. changed is false when no mutator applied.
func checkMutationPatch(t *testing.T, eng *policy.Engine, ctx *policy.Context, raw []byte) (changed bool) {
	t.Helper()
	obj, err := manifest.FromJSON(raw)
	if err != nil || obj.Body == nil || !json.Valid(raw) {
		return false
	}
	ops, res, err := mutatePatch(eng, ctx, obj, raw)
	if err != nil {
		t.Fatalf("mutatePatch: %v", err)
	}
	if len(res.Applied) == 0 {
		return false
	}
	want, err := json.Marshal(obj.Body)
	if err != nil {
		t.Fatal(err)
	}
	if full := unprunedPatch(t, raw, want); !jsonEqual(t, mustJSON(t, ops), mustJSON(t, full)) {
		t.Fatalf("pruned patch\n%s\ndiffers from the diff of the whole encodings\n%s", mustJSON(t, ops), mustJSON(t, full))
	}
	patched := applyOps(t, string(raw), ops)
	again, err := manifest.FromJSON(patched)
	if err != nil {
		t.Fatalf("patched object does not decode: %v\n%s", err, patched)
	}
	got, err := json.Marshal(again.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, got, want) {
		t.Fatalf("patched object reads as\n%s\nwant the mutated object\n%s", got, want)
	}
	for at, v := range unknownLeaves(t, raw, obj.Body) {
		if got, ok := pointerValue(t, patched, at); !ok || !jsonEqual(t, mustJSON(t, got), mustJSON(t, v)) {
			t.Fatalf("field %s, unknown to the Go types, is %s after the patch, want %s", at, mustJSON(t, got), mustJSON(t, v))
		}
	}
	ops2, _, err := mutatePatch(eng, ctx, again, patched)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops2) != 0 {
		t.Fatalf("mutating the patched object patches again: %v", ops2)
	}
	return true
}

// unprunedPatch is the patch from raw to the mutated object encoded as
// after, diffed from the whole encodings (no pruning): what mutatePatch must
// return, operation for operation.
func unprunedPatch(t *testing.T, raw, after []byte) []jsonpatch.JsonPatchOperation {
	t.Helper()
	before, err := manifest.FromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := jsonDiffPatch(raw, mustJSON(t, before.Body), json.RawMessage(after))
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

// unknownLeaves returns, by JSON pointer, the values in doc that the Go type
// of body does not encode (fields it does not know), walking maps by key and
// arrays of equal length by index.
func unknownLeaves(t *testing.T, doc []byte, body any) map[string]any {
	t.Helper()
	o, ok := body.(runtime.Object)
	if !ok {
		return nil
	}
	typed := o.DeepCopyObject()
	if err := json.Unmarshal(doc, typed); err != nil {
		t.Fatal(err)
	}
	var rawTree, typedTree any
	if err := json.Unmarshal(doc, &rawTree); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mustJSON(t, typed), &typedTree); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var walk func(path string, r, ty any)
	walk = func(path string, r, ty any) {
		switch rv := r.(type) {
		case map[string]any:
			tv, _ := ty.(map[string]any)
			for k, v := range rv {
				p := path + "/" + escapeToken(k)
				if tchild, ok := tv[k]; ok {
					walk(p, v, tchild)
				} else if v != nil {
					out[p] = v
				}
			}
		case []any:
			if tv, ok := ty.([]any); ok && len(tv) == len(rv) {
				for i := range rv {
					walk(path+"/"+strconv.Itoa(i), rv[i], tv[i])
				}
			}
		}
	}
	walk("", rawTree, typedTree)
	return out
}

// pointerValue returns the value at a JSON pointer in doc.
func pointerValue(t *testing.T, doc []byte, pointer string) (any, bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	for _, tok := range strings.Split(pointer, "/")[1:] {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func patchTestEngine(t testing.TB) (*policy.Engine, *policy.Context) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return eng, &policy.Context{Namespaces: policy.NamespaceLabels{"mesh": {"istio-injection": "enabled"}}, Operation: "CREATE"}
}

// TestMutationPatch: the real mutators on pods written the ways the API
// server may send them.
func TestMutationPatch(t *testing.T) {
	eng, ctx := patchTestEngine(t)
	for desc, raw := range map[string]string{
		"bare pod":                     meshPod("", ""),
		"unknown container field":      meshPod("", `,"futureField":{"keep":true}`),
		"null annotations":             meshPod(`,"annotations":null`, ""),
		"YAML proxy config":            meshPod(`,"annotations":{"proxy.istio.io/config":"concurrency: 2\n"}`, ""),
		"JSON proxy config":            meshPod(`,"annotations":{"proxy.istio.io/config":"{\"concurrency\":2}"}`, ""),
		"quantities spelled unusually": meshPod("", `,"resources":{"requests":{"cpu":"0.1","memory":"1e6"}}`),
		"empty lifecycle":              meshPod("", `,"lifecycle":{}`),
		"null lifecycle":               meshPod("", `,"lifecycle":null`),
		"blank space in raw": "{ \"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"metadata\": { \"name\": \"p\", \"namespace\": \"mesh\" },\n" +
			" \"spec\": { \"containers\": [ { \"name\": \"app\", \"image\": \"nginx\" } ] } }",
		"injected sidecar": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"mesh","annotations":{"sidecar.istio.io/status":"{}"}},` +
			`"spec":{"containers":[{"name":"app","image":"nginx"},{"name":"istio-proxy","image":"proxyv2","args":["proxy","sidecar"]}]}}`,
	} {
		t.Run(desc, func(t *testing.T) {
			if !checkMutationPatch(t, eng, ctx, []byte(raw)) {
				t.Fatal("the mutators changed nothing: the case tests nothing")
			}
		})
	}
}

// FuzzMutationPatch holds arbitrary pods to checkMutationPatch.
func FuzzMutationPatch(f *testing.F) {
	for _, seed := range []string{
		meshPod("", ""), meshPod(`,"annotations":null`, `,"lifecycle":null`),
		meshPod(`,"annotations":{"proxy.istio.io/config":"concurrency: 2\n"}`, `,"resources":{"limits":{"cpu":"2"}}`),
		meshPod(`,"labels":{"sidecar.istio.io/inject":"true"}`, `,"futureField":[{"a":1}]`),
	} {
		f.Add([]byte(seed))
	}
	eng, ctx := patchTestEngine(f)
	f.Fuzz(func(t *testing.T, raw []byte) { checkMutationPatch(t, eng, ctx, raw) })
}
