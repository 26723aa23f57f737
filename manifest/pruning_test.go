package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apimachinery/pkg/runtime/schema"
	sigsyaml "sigs.k8s.io/yaml"
)

// istioSchemas returns the structural schema of every served version of the
// Istio CRDs in the istio.io/api module, as the API server builds them.
func istioSchemas(t *testing.T) map[schema.GroupVersionKind]*structuralschema.Structural {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(istioAPIDir(t), "kubernetes", "customresourcedefinitions.gen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[schema.GroupVersionKind]*structuralschema.Structural{}
	addCRDSchemas(t, raw, out)
	if len(out) < 20 {
		t.Fatalf("only %d CRD versions found", len(out))
	}
	return out
}

// addCRDSchemas adds the structural schema of every version of the CRDs in
// raw (YAML documents) to out, as the API server builds them.
func addCRDSchemas(t *testing.T, raw []byte, out map[schema.GroupVersionKind]*structuralschema.Structural) {
	t.Helper()
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := sigsyaml.Unmarshal(doc, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Names.Kind == "" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
				t.Fatal(err)
			}
			s, err := structuralschema.NewStructural(&internal)
			if err != nil {
				t.Fatalf("%s %s: %v", crd.Name, v.Name, err)
			}
			out[schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}] = s
		}
	}
}

// apiServerStores prunes raw with the API server's algorithm and returns the
// stored JSON and the pruned paths.
func apiServerStores(t *testing.T, s *structuralschema.Structural, raw []byte) ([]byte, []string) {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	pruned := pruning.PruneWithOptions(obj, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	stored, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(pruned)
	return stored, pruned
}

// prunedCases are Istio documents with fields the CRD schema does not define,
// at every depth and in maps and lists.
var prunedCases = map[string]string{
	"proto names at several depths": `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: a
  traffic_policy: {connectionPool: {tcp: {maxConnections: 1}}}
  trafficPolicy:
    connection_pool: {tcp: {maxConnections: 1}}
    outlierDetection: {consecutive_5xx_errors: 5, interval: 10s}
    portLevelSettings:
    - port: {number: 80}
      connectionPool: {http: {http1_max_pending_requests: 5, http1MaxPendingRequests: 7}}
  subsets:
  - name: v1
    labels: {version: v1}
    traffic_policy: {tls: {mode: DISABLE}}
`,
	"typos and top-level extras": `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p}
sepc: {}
spec:
  mtsl: {mode: STRICT}
  portLevelMtls:
    "8080": {mode: STRICT, mdoe: x}
`,
	"proto name in a oneof": `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v}
spec:
  hosts: [a]
  http:
  - redirect: {authority: b, prefix_rewrite: /}
    match: [{uri: {prefix: /x}, ignore_uri_case: true}]
`,
	"Struct and Any values are kept whole": `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: e}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch: {operation: MERGE, value: {typed_config: {"@type": x, any_thing: 1}}}
`,
}

// TestPruningMatchesAPIServer: what we judge is what the API server stores.
// For the proto comment examples and documents with unknown fields, our
// UnknownFields are exactly the paths the API server's pruning removes, and
// our decoded spec equals Istio's decoding of the stored object.
func TestPruningMatchesAPIServer(t *testing.T) {
	schemas := istioSchemas(t)
	cases := protoExamples(t)
	for name, doc := range prunedCases {
		cases[name] = doc
	}
	checked := 0
	for name, doc := range cases {
		docs, _ := Parse(name, []byte(doc), Options{})
		for _, d := range docs {
			ours, ok := d.Object.Body.(proto.Message)
			if !ok {
				continue
			}
			gvk := d.Object.GroupKind.WithVersion(d.Object.Version)
			s := schemas[gvk]
			if s == nil {
				t.Errorf("%s: no CRD schema for %s", name, gvk)
				continue
			}
			checked++
			stored, prunedPaths := apiServerStores(t, s, d.Raw)
			var got []string
			for _, f := range d.Object.UnknownFields {
				got = append(got, f.Path)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(normPaths(got), normPaths(prunedPaths)) {
				t.Errorf("%s: we report %v as pruned, the API server prunes %v", name, got, prunedPaths)
			}
			sameAsIstio(t, name, Document{Object: d.Object, Raw: stored}, ours)
		}
	}
	if checked < 100 {
		t.Errorf("only %d objects checked", checked)
	}
}

// normPaths writes field paths the same way: the API server writes map keys
// and list indexes as ".key" and "[i]"; we write "[key]" and "[i]".
func normPaths(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.NewReplacer("[", ".", "]", "").Replace(p))
	}
	sort.Strings(out)
	return out
}
