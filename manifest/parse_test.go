package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

const peerAuth = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
`

// Heads of Istio documents for the error cases; the spec starts on line 5.
const (
	drHead = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n"
	gwHead = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n"
)

// want describes one expected document.
type want struct {
	kind      policy.Kind
	version   string
	namespace string
	line      int
	body      string // %T of Body, "" for nil
	unknown   []string
}

func TestParseDocuments(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		opts Options
		want []want
	}{
		{
			desc: "single Istio v1 document keeps its namespace",
			in:   peerAuth,
			want: []want{{policy.KindPeerAuthentication, "v1", "istio-system", 1, "*v1beta1.PeerAuthentication", nil}},
		},
		{
			desc: "every served version decodes to the shared spec type",
			in: strings.Join([]string{
				"apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: a}\n",
				"apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: b}\n",
				"apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: c}\n",
			}, "---\n"),
			want: []want{
				{policy.KindGateway, "v1", "default", 1, "*v1alpha3.Gateway", nil},
				{policy.KindGateway, "v1beta1", "default", 5, "*v1alpha3.Gateway", nil},
				{policy.KindGateway, "v1alpha3", "default", 9, "*v1alpha3.Gateway", nil},
			},
		},
		{
			desc: "default namespace option applies to namespaced kinds only",
			in:   "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
			opts: Options{DefaultNamespace: "shop"},
			want: []want{
				{policy.KindNamespace, "v1", "", 1, "*v1.Namespace", nil},
				{policy.KindConfigMap, "v1", "shop", 5, "*v1.ConfigMap", nil},
			},
		},
		{
			desc: "JSON document",
			in:   `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"x"},"spec":{"replicas":3}}`,
			want: []want{{policy.KindDeployment, "v1", "x", 1, "*v1.Deployment", nil}},
		},
		{
			desc: "tab-indented JSON",
			in:   "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"p\"}\n}\n",
			want: []want{{policy.KindPod, "v1", "default", 1, "*v1.Pod", nil}},
		},
		{
			desc: "kind List is expanded with item lines",
			in:   "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- apiVersion: policy/v1\n  kind: PodDisruptionBudget\n  metadata: {name: pdb}\n",
			want: []want{
				{policy.KindPod, "v1", "default", 4, "*v1.Pod", nil},
				{policy.KindPDB, "v1", "default", 7, "*v1.PodDisruptionBudget", nil},
			},
		},
		{
			desc: "kinds no rule types are kept with a nil body",
			in:   "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
			want: []want{{"Service", "v1", "default", 1, "", nil}},
		},
		{
			desc: "unknown fields in spec, nested, in map values and at top level",
			in: `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: p}
sepc: {}
spec:
  mtsl: {mode: STRICT}
  portLevelMtls:
    "8080": {mode: STRICT, mdoe: x}
`,
			want: []want{{policy.KindPeerAuthentication, "v1beta1", "default", 1, "*v1beta1.PeerAuthentication",
				[]string{"sepc", "spec.mtsl", "spec.portLevelMtls[8080].mdoe"}}},
		},
		{
			desc: "proto field names are pruned like the API server does; Go-style durations are accepted",
			in: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: a
  traffic_policy:
    connectionPool:
      tcp: {maxConnections: 10, connectTimeout: 30ms}
  trafficPolicy:
    connectionPool:
      tcp: {connectTimeout: 1h30m, max_connections: 5}
    outlierDetection: {interval: 5m, baseEjectionTime: 1.5s}
`,
			want: []want{{policy.KindDestinationRule, "v1", "default", 1, "*v1alpha3.DestinationRule",
				[]string{"spec.trafficPolicy.connectionPool.tcp.max_connections", "spec.traffic_policy"}}},
		},
		{
			desc: "IstioOperator decodes as a map",
			in:   "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: io, namespace: istio-system}\nspec: {profile: default}\n",
			want: []want{{policy.KindIstioOperator, "v1alpha1", "istio-system", 1, "map[string]interface {}", nil}},
		},
		{
			desc: "values documents with --values-for gateway",
			in:   "replicaCount: 4\nkind: Deployment\n",
			opts: Options{ValuesFor: ValuesGateway},
			want: []want{{policy.KindGatewayValues, "v1alpha1", "", 1, "map[string]interface {}", nil}},
		},
		{
			desc: "empty documents and comments are skipped",
			in:   "# header\n---\n---\n" + peerAuth + "---\n# trailing\n",
			want: []want{{policy.KindPeerAuthentication, "v1", "istio-system", 4, "*v1beta1.PeerAuthentication", nil}},
		},
		{
			desc: "anchors and merge keys are resolved",
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: c}\ndata:\n  <<: {a: x}\n  b: z\n",
			want: []want{{policy.KindConfigMap, "v1", "default", 1, "*v1.ConfigMap", nil}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			docs, errs := Parse("in.yaml", []byte(tc.in), tc.opts)
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if len(docs) != len(tc.want) {
				t.Fatalf("got %d documents, want %d", len(docs), len(tc.want))
			}
			for i, w := range tc.want {
				checkDoc(t, docs[i], w)
			}
		})
	}
}

func checkDoc(t *testing.T, d Document, w want) {
	t.Helper()
	o := d.Object
	if got := policy.KindOf(o.GroupKind); got != w.kind {
		t.Errorf("kind = %s, want %s", got, w.kind)
	}
	if o.Version != w.version || o.Meta.Namespace != w.namespace || d.Line != w.line {
		t.Errorf("version/namespace/line = %s/%q/%d, want %s/%q/%d", o.Version, o.Meta.Namespace, d.Line, w.version, w.namespace, w.line)
	}
	if got := typeName(o.Body); got != w.body {
		t.Errorf("body type = %s, want %s", got, w.body)
	}
	paths := make([]string, 0, len(o.UnknownFields))
	for _, f := range o.UnknownFields {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, ",") != strings.Join(w.unknown, ",") {
		t.Errorf("unknown fields = %v, want %v", o.UnknownFields, w.unknown)
	}
	if d.File != "in.yaml" || len(d.Raw) == 0 || d.Raw[0] != '{' {
		t.Errorf("file %q raw %q: want in.yaml and a JSON object", d.File, d.Raw)
	}
}

func TestParseTypedValues(t *testing.T) {
	in := peerAuth + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n" +
		"---\napiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ['*']\n    tls: {mode: SIMPLE, credentialName: c}\n"
	docs, errs := Parse("in.yaml", []byte(in), Options{})
	if len(errs) > 0 || len(docs) != 3 {
		t.Fatalf("got %d docs, errors %v", len(docs), errs)
	}
	tests := []struct {
		desc string
		ok   bool
	}{
		{"PeerAuthentication mtls mode decoded", docs[0].Object.Body.(*securityapi.PeerAuthentication).GetMtls().GetMode() == securityapi.PeerAuthentication_MutualTLS_STRICT},
		{"Deployment replicas decoded", *docs[1].Object.Body.(*appsv1.Deployment).Spec.Replicas == 3},
		{"Gateway TLS credential decoded", docs[2].Object.Body.(*networkingapi.Gateway).GetServers()[0].GetTls().GetCredentialName() == "c"},
	}
	for _, tc := range tests {
		if !tc.ok {
			t.Errorf("%s: wrong value", tc.desc)
		}
	}
}

func TestFieldLine(t *testing.T) {
	in := "# c\n" + `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: g
  annotations:
    istio-guardrail.io/exempt: IGR305
    "odd]key": x
  labels:
    "0": zero
data:
  mesh.yaml: m
  mesh:
    yaml: n
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port:
      number: 443
    tls:
      mode: SIMPLE
`
	docs, errs := Parse("g.yaml", []byte("---\nkind: x\n---\n"+in), Options{})
	if len(docs) != 1 {
		t.Fatalf("docs %d errs %v", len(docs), errs)
	}
	d := docs[0]
	tests := []struct {
		desc, path string
		want       int
	}{
		{"document line", "", 5},
		{"top-level key", "spec", 18},
		{"list element", "spec.servers[1]", 22},
		{"nested field", "spec.servers[1].tls.mode", 25},
		{"flow mapping field", "spec.servers[0].port.number", 20},
		{"map key with dots and slash", "metadata.annotations[istio-guardrail.io/exempt]", 10},
		{"map key holding a bracket", "metadata.annotations[odd]key]", 11},
		{"numeric map key", "metadata.labels[0]", 13},
		{"child name holding a dot; of two fields rendering alike the first wins", "data.mesh.yaml", 15},
		{"missing leaf under a dotted name falls back to it", "data.mesh.yaml.x", 15},
		{"map key holding a dot", "data[mesh.yaml]", 15},
		{"child of a nested mapping", "data.mesh[yaml]", 17},
		{"missing leaf falls back to parent", "spec.servers[1].tls.minProtocolVersion", 24},
		{"index out of range falls back", "spec.servers[7].tls", 19},
		{"prefix of a key is not the key", "spec.serv", 18},
		{"missing top-level falls back to document", "status.x", 5},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := d.FieldLine(tc.path); got != tc.want {
				t.Errorf("FieldLine(%q) = %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	tests := []struct {
		desc    string
		in      string
		wantErr string // substring of the error, which must also name file and line
		line    int
		docs    int // documents still returned
	}{
		{"bad YAML", "apiVersion: v1\nkind: Pod\nmetadata: name: x\n", "invalid YAML: mapping values are not allowed", 3, 0},
		{"wrong type in Istio spec", peerAuth[:len(peerAuth)-len("    mode: STRICT\n")-len("  mtls:\n")] + "  mtls: \"STRICT\"\n", `spec.mtls: must be an object, got string "STRICT"`, 7, 0},
		{"unknown enum value", strings.Replace(peerAuth, "STRICT", "STRIKT", 1), `unsupported value "STRIKT"`, 8, 0},
		{"wrong type in Kubernetes object", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: three\n", "spec.replicas: must be int32", 5, 0},
		{"duplicate keys", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n", `duplicate key "name"`, 5, 0},
		{"empty file", "", "no objects found", 1, 0},
		{"only comments", "# nothing\n---\n", "no objects found", 1, 0},
		{"binary garbage", "\x00\x01\x02\xff\xfe", "invalid YAML", 1, 0},
		{"deep nesting", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: " + deep + "\n", "nested deeper", 4, 0},
		{"alias bomb", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + bomb, "document too large", 0, 0},
		{"scalar document", "just a string\n", "document must be an object", 1, 0},
		{"list document", "- a\n- b\n", "document must be an object", 1, 0},
		{"missing kind", "apiVersion: v1\nmetadata: {name: c}\n", "no apiVersion or kind", 1, 0},
		{"invalid apiVersion", "apiVersion: a/b/c\nkind: X\n", "invalid apiVersion", 1, 0},
		{"infinity is not JSON", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: .inf\n", "not representable in JSON", 4, 0},
		{"non-scalar key", "apiVersion: v1\nkind: ConfigMap\n? [a]\n: b\n", "keys must be scalars", 3, 0},
		{"error in one document keeps the others", peerAuth + "---\nfoo: [\n---\n" + peerAuth, "invalid YAML", 10, 2},
		{"bad list item", "apiVersion: v1\nkind: List\nitems:\n- 3\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n", "list item must be an object", 4, 1},
		{"unknown values chart", "a: 1\n", "unknown values chart", 0, 0},
		{"numeric enum (the CRD types enums as strings)", strings.Replace(peerAuth, "STRICT", "3", 1), `unsupported value "3"`, 8, 0},
		{"YAML 1.1 boolean in a ConfigMap's data", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  enabled: yes\n", "data: must be string, got a JSON bool", 0, 0},
		{"YAML 1.1 boolean in an Istio string field", drHead + "  host: on\n", `spec.host: must be a string, got boolean "on"`, 5, 0},
		{"quoted boolean in an Istio boolean field", gwHead + "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [a]\n    tls: {httpsRedirect: \"true\"}\n", `spec.servers[0].tls.httpsRedirect: must be a boolean, got string "true"`, 8, 0},
		{"invalid duration", drHead + "  host: a\n  trafficPolicy: {connectionPool: {tcp: {connectTimeout: 1d}}}\n", `spec.trafficPolicy.connectionPool.tcp.connectTimeout: invalid duration "1d"`, 6, 0},
		{"number as a duration", drHead + "  host: a\n  trafficPolicy: {connectionPool: {tcp: {connectTimeout: 30}}}\n", `connectTimeout: must be a duration string`, 6, 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			opts := Options{}
			if tc.desc == "unknown values chart" {
				opts.ValuesFor = "pilot"
			}
			docs, errs := Parse("bad.yaml", []byte(tc.in), opts)
			if len(docs) != tc.docs {
				t.Errorf("got %d documents, want %d", len(docs), tc.docs)
			}
			if len(errs) == 0 {
				t.Fatal("want an error, got none")
			}
			var pe *Error
			if !errors.As(errs[0], &pe) || pe.File != "bad.yaml" {
				t.Fatalf("error %v does not name the file", errs[0])
			}
			if tc.line > 0 && pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, errs[0])
			}
			if !strings.Contains(errs[0].Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", errs[0], tc.wantErr)
			}
		})
	}
}

func TestParseHugeInput(t *testing.T) {
	data := make([]byte, MaxFileSize+1)
	_, errs := Parse("huge.yaml", data, Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "more than the limit") {
		t.Fatalf("want a size error, got %v", errs)
	}
}

func TestStdinName(t *testing.T) {
	docs, _ := Parse("-", []byte(peerAuth), Options{})
	if len(docs) != 1 || docs[0].File != StdinName {
		t.Fatalf("want one document named %s, got %+v", StdinName, docs)
	}
}

func TestFromJSON(t *testing.T) {
	tests := []struct {
		desc    string
		in      string
		body    string
		wantErr string
	}{
		{"Istio kind", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"p","namespace":"n"},"spec":{"mtls":{"mode":"STRICT"}}}`, "*v1beta1.PeerAuthentication", ""},
		{"Kubernetes kind", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`, "*v1.Pod", ""},
		{"unknown kind", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}`, "", ""},
		{"not JSON", `apiVersion: v1`, "", "decode object"},
		{"missing kind", `{"apiVersion":"v1"}`, "", "missing apiVersion or kind"},
		{"wrong type", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","spec":{"mtls":"STRICT"}}`, "", "decode PeerAuthentication"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			obj, err := FromJSON([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(obj.Body); got != tc.body {
				t.Errorf("body = %s, want %s", got, tc.body)
			}
			if obj.Meta == nil || obj.Meta.Name == "" {
				t.Errorf("metadata not decoded: %+v", obj.Meta)
			}
		})
	}
}

func TestNamespaceLabelsDecoded(t *testing.T) {
	docs, errs := Parse("ns.yaml", []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n"), Options{})
	if len(errs) > 0 || len(docs) != 1 {
		t.Fatalf("docs %d errs %v", len(docs), errs)
	}
	ns := docs[0].Object.Body.(*corev1.Namespace)
	if ns.Labels["istio-injection"] != "enabled" || docs[0].Object.Meta.Labels["istio-injection"] != "enabled" {
		t.Fatalf("labels not decoded: %v", ns.Labels)
	}
}

// TestFieldLineAmbiguousKeys: keys that render alike ("a" then "a", or
// "a.a") give a path many spellings, reached through aliases; the lookup
// tries them until one reaches the field (splitting the path at every dot
// stops at the dead end one level short).
func TestFieldLineAmbiguousKeys(t *testing.T) {
	const depth = 20
	var b strings.Builder
	b.WriteString("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\nlevels:\n")
	fmt.Fprintf(&b, "  l%d: &l%d {z: 1}\n", depth, depth)
	fmt.Fprintf(&b, "  l%d: &l%d {b: 1}\n", depth-1, depth-1) // a dead end: the last two steps must be "a.a"
	for i := depth - 2; i >= 0; i-- {
		fmt.Fprintf(&b, "  l%d: &l%d {a: *l%d, a.a: *l%d}\n", i, i, i+1, i+2)
	}
	b.WriteString("spec: *l0\n")
	docs, errs := Parse("x.yaml", []byte(b.String()), Options{})
	if len(docs) != 1 {
		t.Fatalf("docs %d errs %v", len(docs), errs)
	}
	path := "spec" + strings.Repeat(".a", depth) + ".z"
	if got, want := docs[0].FieldLine(path), 5; got != want {
		t.Errorf("FieldLine(%s) = %d, want %d (the z of the deepest level)", path, got, want)
	}
}
