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
// Gateway API CRDs, as the API server builds them, and for the versions only
// the experimental channel serves (TLSRoute v1alpha2 and v1alpha3) the
// experimental channel's.
func gatewayAPISchemas(t *testing.T) map[schema.GroupVersionKind]*structuralschema.Structural {
	t.Helper()
	out := map[schema.GroupVersionKind]*structuralschema.Structural{}
	for _, channel := range []string{"experimental", "standard"} { // standard last: it wins where both serve
		addGatewayAPISchemas(t, channel, out)
	}
	return out
}

// addGatewayAPISchemas adds the schemas of one channel's CRDs to out.
func addGatewayAPISchemas(t *testing.T, channel string, out map[schema.GroupVersionKind]*structuralschema.Structural) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(gatewayAPIDir(t), "config", "crd", channel, "gateway.networking.k8s.io_*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s-channel CRDs: %v", channel, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		addCRDSchemas(t, raw, out)
	}
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
	"GRPCRoute with an HTTPRoute filter": `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: edge}
spec:
  parentRefs: [{name: gw, sectionName: http, sectionname: https}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: a.B, methd: C}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
    backendRefs: [{name: a, port: 9000, weight: 1, tls: true}]
`,
	"TLSRoute with Istio names": `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: t, namespace: edge}
spec:
  parentRefs: [{name: gw, sectionName: tls}]
  hostnames: [db.example.com]
  sniHosts: ["*"]
  rules:
  - backendRefs: [{name: db, port: 5432}]
    match: [{sniHosts: [db.example.com]}]
`,
	"TLSRoute v1alpha2 with a typo": `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: t2, namespace: edge}
spec:
  parentRefs: [{name: gw}]
  hostName: db.example.com
  rules: [{backendRefs: [{name: db, port: 5432, namepsace: other}]}]
`,
	"v1beta1 Gateway and ReferenceGrant": `apiVersion: gateway.networking.k8s.io/v1beta1
kind: Gateway
metadata: {name: g1, namespace: edge}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP, redirect: {scheme: https}}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: rg1, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: edge}]
  to: [{group: "", kind: Secret, name: c, namespace: certs}]
`,
	"status and top-level extras": `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: s, namespace: edge}
sepc: {hostnames: [a.example.com]}
spec: {parentRefs: [{name: gw}]}
status: {parents: [], conditions: []}
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
	alpha, _ := filepath.Glob(filepath.Join(gatewayAPIDir(t), "examples", "experimental", "v1alpha*", "tls-routing", "*.yaml"))
	examples = append(append(examples, more...), alpha...)
	for _, f := range examples {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = string(raw)
	}
	checked, pruned := 0, 0
	kinds := map[policy.Kind]bool{}
	for name, doc := range cases {
		docs, _ := Parse(name, []byte(doc), Options{})
		for _, d := range docs {
			if d.Object.GroupKind.Group != "gateway.networking.k8s.io" {
				continue
			}
			switch policy.KindOf(d.Object.GroupKind) {
			case policy.KindGatewayAPIGateway, policy.KindHTTPRoute, policy.KindReferenceGrant, policy.KindListenerSet,
				policy.KindGRPCRoute, policy.KindTLSRoute:
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
			kinds[policy.KindOf(d.Object.GroupKind)+" "+policy.Kind(d.Object.Version)] = true
			var got []string
			for _, f := range d.Object.UnknownFields {
				got = append(got, f.Path)
			}
			if !reflect.DeepEqual(normPaths(got), normPaths(paths)) {
				t.Errorf("%s %s: we report %v as unknown (IGR002), the API server prunes %v", name, d.Object.Ref(), got, paths)
			}
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
	if checked < 40 || pruned < 20 {
		t.Errorf("checked %d objects with %d pruned fields, want at least 40 and 20", checked, pruned)
	}
	for _, k := range []policy.Kind{"Gateway.gateway.networking.k8s.io v1", "Gateway.gateway.networking.k8s.io v1beta1",
		"HTTPRoute.gateway.networking.k8s.io v1", "HTTPRoute.gateway.networking.k8s.io v1beta1",
		"ReferenceGrant.gateway.networking.k8s.io v1", "ReferenceGrant.gateway.networking.k8s.io v1beta1",
		"ListenerSet.gateway.networking.k8s.io v1", "GRPCRoute.gateway.networking.k8s.io v1",
		"TLSRoute.gateway.networking.k8s.io v1", "TLSRoute.gateway.networking.k8s.io v1alpha2", "TLSRoute.gateway.networking.k8s.io v1alpha3"} {
		if !kinds[k] {
			t.Errorf("no document of %s was checked", k)
		}
	}
}
