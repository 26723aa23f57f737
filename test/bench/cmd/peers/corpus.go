package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// A corpus is a generator of n YAML documents.
type corpus struct {
	name  string // "four-kind" or "mixed"
	about string // one line for the report
	write func(w io.Writer, n int) (int64, error)
}

var corpora = map[string]corpus{
	"four-kind": {
		name:  "four-kind",
		about: "PeerAuthentication, DestinationRule, AuthorizationPolicy and Gateway in equal shares, 7 in 10 of each kind hardened and 3 in 10 not (issue 17's peer corpus)",
		write: writeFourKind,
	},
	"mixed": {
		name:  "mixed",
		about: "bench.WriteCorpus, the mixed corpus of BENCHMARKS.md (Deployments, Services, VirtualServices, DestinationRules, AuthorizationPolicies, PeerAuthentications, Sidecars, Gateways, Namespaces, Pods)",
		write: bench.WriteCorpus,
	},
}

// variant is one document template of the four-kind corpus: {i} is the
// object's index in the corpus, {ns} its namespace.
type variant struct {
	kind     string
	hardened bool
	template string
}

// fourKindVariants holds, for each kind, the ten templates of one cycle:
// seven hardened (two spellings alternating) and three unhardened (two
// different weaknesses). The weaknesses are ones every peer has a check or
// policy for where it has one at all: mTLS not STRICT, TLS disabled to the
// upstream, an ALLOW policy that allows everything, plaintext HTTP without
// a redirect, TLS below 1.2.
var fourKindVariants = [4][10]variant{
	kindCycle("PeerAuthentication", paStrict, paStrictPort, paPermissive, paPermissive, paPortDisable),
	kindCycle("DestinationRule", drMutual, drMutualSubsets, drDisable, drDisable, drNoPool),
	kindCycle("AuthorizationPolicy", apPrincipals, apNamespaces, apAllowAll, apAllowAll, apAnySource),
	kindCycle("Gateway", gwTLS, gwTLSRedirect, gwPlainHTTP, gwPlainHTTP, gwOldTLS),
}

// kindCycle spreads two hardened and three unhardened templates over ten
// slots: positions 0-6 hardened (a, b, a, b, ...), 7-9 the weak ones.
func kindCycle(kind, hardA, hardB, weak1, weak2, weak3 string) [10]variant {
	var c [10]variant
	for i := range 7 {
		t := hardA
		if i%2 == 1 {
			t = hardB
		}
		c[i] = variant{kind: kind, hardened: true, template: t}
	}
	for i, t := range []string{weak1, weak2, weak3} {
		c[7+i] = variant{kind: kind, hardened: false, template: t}
	}
	return c
}

// fourKindAt returns the variant of the document at index i: kinds
// interleave (i%4) so every prefix of the corpus has the same mix.
func fourKindAt(i int) variant { return fourKindVariants[i%4][(i/4)%10] }

// namespaceOf spreads the objects over 97 team namespaces.
func namespaceOf(i int) string { return "team-" + strconv.Itoa(i%97) }

// writeFourKind writes n documents of the four-kind corpus to w and returns
// the number of bytes written.
func writeFourKind(w io.Writer, n int) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var total int64
	for i := range n {
		doc := strings.NewReplacer("{i}", strconv.Itoa(i), "{ns}", namespaceOf(i)).Replace(fourKindAt(i).template)
		k, err := bw.WriteString("---\n" + doc)
		total += int64(k)
		if err != nil {
			return total, fmt.Errorf("write corpus: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return total, fmt.Errorf("write corpus: %w", err)
	}
	return total, nil
}

// writeCorpusFile generates c with n objects at path.
func writeCorpusFile(c corpus, n int, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("create corpus: %w", err)
	}
	size, err := c.write(f, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return size, err
}

const meta = `metadata:
  name: {name}-{i}
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: argocd
    app.kubernetes.io/part-of: {ns}
`

func doc(apiVersion, kind, name, spec string) string {
	return "apiVersion: " + apiVersion + "\nkind: " + kind + "\n" + strings.ReplaceAll(meta, "{name}", name) + spec
}

var (
	paStrict = doc("security.istio.io/v1", "PeerAuthentication", "pa", `spec:
  selector:
    matchLabels:
      app: svc-{i}
  mtls:
    mode: STRICT
`)
	paStrictPort = doc("security.istio.io/v1", "PeerAuthentication", "pa", `spec:
  selector:
    matchLabels:
      app: svc-{i}
  mtls:
    mode: STRICT
  portLevelMtls:
    "15020":
      mode: STRICT
`)
	paPermissive = doc("security.istio.io/v1", "PeerAuthentication", "pa", `spec:
  selector:
    matchLabels:
      app: svc-{i}
  mtls:
    mode: PERMISSIVE
`)
	paPortDisable = doc("security.istio.io/v1", "PeerAuthentication", "pa", `spec:
  selector:
    matchLabels:
      app: svc-{i}
  mtls:
    mode: STRICT
  portLevelMtls:
    "8080":
      mode: DISABLE
`)

	drPolicy = `    connectionPool:
      tcp:
        maxConnections: 200
        connectTimeout: 3s
      http:
        http1MaxPendingRequests: 256
        http2MaxRequests: 1000
        maxRequestsPerConnection: 100
        idleTimeout: 300s
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
`
	drMutual = doc("networking.istio.io/v1", "DestinationRule", "dr", `spec:
  host: svc-{i}.{ns}.svc.cluster.local
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
`+drPolicy)
	drMutualSubsets = doc("networking.istio.io/v1", "DestinationRule", "dr", `spec:
  host: svc-{i}.{ns}.svc.cluster.local
  exportTo: ["."]
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
    loadBalancer:
      simple: LEAST_REQUEST
`+drPolicy+`  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`)
	drDisable = doc("networking.istio.io/v1", "DestinationRule", "dr", `spec:
  host: svc-{i}.{ns}.svc.cluster.local
  trafficPolicy:
    tls:
      mode: DISABLE
`+drPolicy)
	drNoPool = doc("networking.istio.io/v1", "DestinationRule", "dr", `spec:
  host: svc-{i}.{ns}.svc.cluster.local
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
`)

	apPrincipals = doc("security.istio.io/v1", "AuthorizationPolicy", "ap", `spec:
  action: ALLOW
  selector:
    matchLabels:
      app: svc-{i}
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/{ns}/sa/client, cluster.local/ns/checkout/sa/checkout]
    to:
    - operation:
        methods: [GET, POST]
        paths: [/api/v1/*]
        ports: ["8080"]
`)
	apNamespaces = doc("security.istio.io/v1", "AuthorizationPolicy", "ap", `spec:
  action: ALLOW
  selector:
    matchLabels:
      app: svc-{i}
  rules:
  - from:
    - source:
        namespaces: [{ns}]
    to:
    - operation:
        methods: [GET]
        paths: [/healthz, /readyz]
`)
	apAllowAll = doc("security.istio.io/v1", "AuthorizationPolicy", "ap", `spec:
  action: ALLOW
  selector:
    matchLabels:
      app: svc-{i}
  rules:
  - {}
`)
	apAnySource = doc("security.istio.io/v1", "AuthorizationPolicy", "ap", `spec:
  action: ALLOW
  selector:
    matchLabels:
      app: svc-{i}
  rules:
  - to:
    - operation:
        methods: [GET]
        paths: [/api/v1/*]
`)

	gwTLS = doc("networking.istio.io/v1", "Gateway", "gw", `spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [{ns}/gw-{i}.example.com]
    tls:
      mode: SIMPLE
      credentialName: gw-{i}-tls
      minProtocolVersion: TLSV1_2
`)
	gwTLSRedirect = doc("networking.istio.io/v1", "Gateway", "gw", `spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [{ns}/gw-{i}.example.com]
    tls:
      mode: SIMPLE
      credentialName: gw-{i}-tls
      minProtocolVersion: TLSV1_2
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [{ns}/gw-{i}.example.com]
    tls:
      httpsRedirect: true
`)
	gwPlainHTTP = doc("networking.istio.io/v1", "Gateway", "gw", `spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [{ns}/gw-{i}.example.com]
`)
	gwOldTLS = doc("networking.istio.io/v1", "Gateway", "gw", `spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [{ns}/gw-{i}.example.com]
    tls:
      mode: SIMPLE
      credentialName: gw-{i}-tls
      minProtocolVersion: TLSV1_0
`)
)

// splitCorpus moves the corpus file at path into a directory of the same
// name holding files of at most per objects each (every object of a
// generated corpus starts at a "---" line), and returns the directory.
func splitCorpus(path string, per int) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer os.Remove(path)
	defer in.Close()
	dir := strings.TrimSuffix(path, ".yaml")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	var out *os.File
	var bw *bufio.Writer
	closeOut := func() error {
		if out == nil {
			return nil
		}
		if err := bw.Flush(); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	br := bufio.NewReaderSize(in, 1<<16)
	objects := 0
	for {
		line, rerr := br.ReadString('\n')
		if line == "---\n" {
			if objects%per == 0 {
				if err := closeOut(); err != nil {
					return "", err
				}
				if out, err = os.Create(filepath.Join(dir, fmt.Sprintf("part-%04d.yaml", objects/per))); err != nil {
					return "", err
				}
				bw = bufio.NewWriterSize(out, 1<<16)
			}
			objects++
		}
		if out != nil {
			if _, err := bw.WriteString(line); err != nil {
				out.Close()
				return "", err
			}
		}
		if rerr == io.EOF {
			return dir, closeOut()
		}
		if rerr != nil {
			closeOut()
			return "", rerr
		}
	}
}
