package policy

import "testing"

func TestIGR703(t *testing.T) {
	a := func(k, v string) string { return podDoc("apps", `annotations: {`+k+`: "`+v+`"}`) }
	out := "traffic.sidecar.istio.io/excludeOutboundIPRanges"
	outPath := "metadata.annotations[" + out + "]"
	runRuleTable(t, ruleIGR703(), map[string]ruleCase{
		"hit: exclude outbound *":            {kind: KindPod, doc: a(out, "*"), want: []string{outPath}},
		"hit: exclude outbound 0.0.0.0/0":    {kind: KindPod, doc: a(out, "10.0.0.0/8, 0.0.0.0/0"), want: []string{outPath}},
		"hit: exclude outbound ::/0":         {kind: KindPod, doc: a(out, "::/0"), want: []string{outPath}},
		"hit: exclude outbound split halves": {kind: KindPod, doc: a(out, "128.0.0.0/1,0.0.0.0/1"), want: []string{outPath}},
		"hit: exclude outbound unmasked /1s": {kind: KindPod, doc: a(out, "1.2.3.4/1,200.0.0.0/1"), want: []string{outPath}},
		"miss: exclude outbound almost all":  {kind: KindPod, doc: a(out, "0.0.0.0/1,128.0.0.0/2,192.0.0.0/3,224.0.0.0/4")},
		"miss: exclude outbound one range":   {kind: KindPod, doc: a(out, "169.254.169.254/32")},
		"miss: exclude outbound malformed":   {kind: KindPod, doc: a(out, "everything")},
		"hit: include outbound empty": {
			kind: KindPod, doc: a("traffic.sidecar.istio.io/includeOutboundIPRanges", ""),
			want: []string{"metadata.annotations[traffic.sidecar.istio.io/includeOutboundIPRanges]"},
		},
		"miss: include outbound *": {kind: KindPod, doc: a("traffic.sidecar.istio.io/includeOutboundIPRanges", "*")},
		"hit: include inbound empty": {
			kind: KindPod, doc: a("traffic.sidecar.istio.io/includeInboundPorts", ""),
			want: []string{"metadata.annotations[traffic.sidecar.istio.io/includeInboundPorts]"},
		},
		"hit: exclude inbound *": {
			kind: KindPod, doc: a("traffic.sidecar.istio.io/excludeInboundPorts", "15020, *"),
			want: []string{"metadata.annotations[traffic.sidecar.istio.io/excludeInboundPorts]"},
		},
		"miss: exclude one inbound port": {kind: KindPod, doc: a("traffic.sidecar.istio.io/excludeInboundPorts", "9090")},
		"hit: interception mode none": {
			kind: KindPod, doc: a("sidecar.istio.io/interceptionMode", "none"),
			want: []string{"metadata.annotations[sidecar.istio.io/interceptionMode]"},
		},
		"miss: interception mode TPROXY": {kind: KindPod, doc: a("sidecar.istio.io/interceptionMode", "TPROXY")},
		"hit: proxy image override": {
			kind: KindPod, doc: a("sidecar.istio.io/proxyImage", "example.com/envoy:custom"),
			want: []string{"metadata.annotations[sidecar.istio.io/proxyImage]"},
		},
		"hit: deployment template with two knobs": {
			kind: KindDeployment,
			doc: `{metadata: {name: d, namespace: apps}, spec: {template: {metadata: {annotations: {
  sidecar.istio.io/interceptionMode: NONE, traffic.sidecar.istio.io/excludeOutboundIPRanges: "*"}}}}}`,
			want: []string{"spec.template.metadata.annotations[sidecar.istio.io/interceptionMode]",
				"spec.template.metadata.annotations[traffic.sidecar.istio.io/excludeOutboundIPRanges]"},
		},
		"miss: plain pod": {kind: KindPod, doc: podDoc("apps", `labels: {app: web}`)},
	})
}

func TestIGR703ProxyIdentity(t *testing.T) {
	pod := func(spec string) string {
		return "metadata: {name: p, namespace: apps}\nspec:\n" + spec
	}
	runRuleTable(t, ruleIGR703(), map[string]ruleCase{
		"hit: container runs as UID 1337": {kind: KindPod,
			doc:  pod("  containers:\n  - {name: app, image: a, securityContext: {runAsUser: 1337}}\n"),
			want: []string{"spec.containers[0].securityContext.runAsUser"}},
		"hit: pod-level GID 1337 applies to every container, reported once": {kind: KindPod,
			doc:  pod("  securityContext: {runAsGroup: 1337}\n  containers:\n  - {name: a, image: a}\n  - {name: b, image: b}\n"),
			want: []string{"spec.securityContext.runAsGroup"}},
		"miss: the container overrides the pod's 1337": {kind: KindPod,
			doc: pod("  securityContext: {runAsUser: 1337}\n  containers:\n  - {name: app, image: a, securityContext: {runAsUser: 1000}}\n")},
		"miss: the injected istio-proxy itself runs as 1337": {kind: KindPod,
			doc: pod("  containers:\n  - {name: app, image: a}\n  - {name: istio-proxy, image: proxyv2, securityContext: {runAsUser: 1337, runAsGroup: 1337}}\n")},
		"hit: a Deployment's template": {kind: KindDeployment,
			doc:  "metadata: {name: d, namespace: apps}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n      - {name: app, image: a, securityContext: {runAsUser: 1337}}\n",
			want: []string{"spec.template.spec.containers[0].securityContext.runAsUser"}},
	})
}

func TestIGR703ProxyConfigInterception(t *testing.T) {
	pod := func(ann string) string {
		return "metadata: {name: p, namespace: apps, annotations: {" + ann + "}}\nspec:\n  containers: [{name: a, image: a}]\n"
	}
	runRuleTable(t, ruleIGR703(), map[string]ruleCase{
		"hit: proxy.istio.io/config interceptionMode NONE (YAML)": {kind: KindPod,
			doc:  pod(`proxy.istio.io/config: "interceptionMode: NONE"`),
			want: []string{"metadata.annotations[proxy.istio.io/config]"}},
		"hit: proxy.istio.io/config interceptionMode NONE (JSON)": {kind: KindPod,
			doc:  pod(`proxy.istio.io/config: '{"interceptionMode": "NONE", "holdApplicationUntilProxyStarts": true}'`),
			want: []string{"metadata.annotations[proxy.istio.io/config]"}},
		"miss: proxy.istio.io/config with TPROXY": {kind: KindPod,
			doc: pod(`proxy.istio.io/config: "interceptionMode: TPROXY"`)},
		"miss: the interception annotation wins over the ProxyConfig": {kind: KindPod,
			doc: pod(`proxy.istio.io/config: "interceptionMode: NONE", sidecar.istio.io/interceptionMode: REDIRECT`)},
	})
}
