package manifest

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// gatewayAPIDir returns the sigs.k8s.io/gateway-api module directory.
func gatewayAPIDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list -m sigs.k8s.io/gateway-api: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// gatewayAPISchemas returns the structural schemas of the standard-channel
// Gateway API CRDs, as the API server builds them.
func gatewayAPISchemas(t *testing.T) map[schema.GroupVersionKind]*structuralschema.Structural {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(gatewayAPIDir(t), "config", "crd", "standard", "gateway.networking.k8s.io_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[schema.GroupVersionKind]*structuralschema.Structural{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		addCRDSchemas(t, raw, out)
	}
	return out
}

// gatewayAPIPruned are Gateway API documents with fields the CRDs do not
// define (typos, Istio-style names), at several depths.
var gatewayAPIPruned = map[string]string{
	"typos in a Gateway": `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: edge}
spec:
  gatewayClassName: istio
  listners: [{name: x, port: 1, protocol: HTTP}]
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    tls: {certificateRef: {name: c}, minProtocolVersion: TLSV1_3, options: {a.b/c: d}}
    allowedRoute: {namespaces: {from: All}}
    allowedRoutes: {namespaces: {from: Same, selectr: {}}}
`,
	"Istio names in an HTTPRoute": `apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: r, namespace: edge}
spec:
  parentRefs: [{name: g, section_name: http}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, httpsRedirect: true}}]
    timeout: 10s
`,
	"ReferenceGrant with a wildcard field": `apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: rg, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: edge, namespaces: ["*"]}]
  to: [{group: "", kind: Secret, names: [a]}]
`,
	"ListenerSet with an extra field": `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: edge}
spec:
  parentRef: {name: g}
  listeners: [{name: a, port: 80, protocol: HTTP, httpsRedirect: true}]
`,
}

// TestGatewayAPIDecodingMatchesAPIServer: the Gateway API kinds are judged
// as the API server stores them. For the module's own examples and for
// documents with fields the CRDs lack, our decoding of the document equals
// our decoding of what the API server's pruning keeps of it.
func TestGatewayAPIDecodingMatchesAPIServer(t *testing.T) {
	schemas := gatewayAPISchemas(t)
	cases := map[string]string{}
	for name, doc := range gatewayAPIPruned {
		cases[name] = doc
	}
	examples, err := filepath.Glob(filepath.Join(gatewayAPIDir(t), "examples", "standard", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(gatewayAPIDir(t), "examples", "standard", "*.yaml"))
	for _, f := range append(examples, more...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = string(raw)
	}
	checked, pruned := 0, 0
	for name, doc := range cases {
		docs, _ := Parse(name, []byte(doc), Options{})
		for _, d := range docs {
			if d.Object.GroupKind.Group != "gateway.networking.k8s.io" {
				continue
			}
			switch policy.KindOf(d.Object.GroupKind) {
			case policy.KindGatewayAPIGateway, policy.KindHTTPRoute, policy.KindReferenceGrant, policy.KindListenerSet:
			default:
				continue
			}
			s := schemas[d.Object.GroupKind.WithVersion(d.Object.Version)]
			if s == nil {
				t.Errorf("%s: no CRD schema for %s %s", name, d.Object.GroupKind, d.Object.Version)
				continue
			}
			checked++
			stored, paths := apiServerStores(t, s, d.Raw)
			pruned += len(paths)
			fromStored, err := FromJSON(stored)
			if err != nil {
				t.Fatalf("%s: decode the stored object: %v", name, err)
			}
			fromStored.Meta.Namespace = d.Object.Meta.Namespace // Parse defaults it, FromJSON leaves it to the request
			if !reflect.DeepEqual(fromStored.Body, d.Object.Body) {
				t.Errorf("%s %s: we judge\n %+v\nbut the API server stores\n %+v", name, d.Object.Ref(), d.Object.Body, fromStored.Body)
			}
		}
	}
	if checked < 30 || pruned < 10 {
		t.Errorf("checked %d objects with %d pruned fields, want at least 30 and 10", checked, pruned)
	}
}
