package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// waypointDoc is a Gateway of class in namespace apps, with extra spec lines.
func waypointDoc(name, class, extra string) string {
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: %s, namespace: apps}
spec:
  gatewayClassName: %s
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
%s`, name, class, extra)
}

// paramsRef is the spec lines of a parametersRef to ConfigMap name.
func paramsRef(name string) string {
	return "  infrastructure: {parametersRef: {group: \"\", kind: ConfigMap, name: " + name + "}}\n"
}

// overlayCM is a ConfigMap ns/name with labels (k=v pairs) and overlay data.
func overlayCM(ns, name, created string, labels []string, data map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns)
	if created != "" {
		fmt.Fprintf(&b, "  creationTimestamp: %q\n", created)
	}
	b.WriteString(labelsYAML("  ", labels))
	b.WriteString("data:\n")
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: |\n", k)
		for _, l := range strings.Split(strings.TrimRight(data[k], "\n"), "\n") {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

// Overlays of a highly available gateway.
const (
	haHPA = "spec:\n  minReplicas: 2\n  maxReplicas: 5\n"
	haPDB = "spec:\n  minAvailable: 2\n"
	haDep = `spec:
  template:
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: wp}}}
`
)

func haData() map[string]string {
	return map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB, "deployment": haDep}
}

func classDefaults(class, created string, data map[string]string) string {
	return overlayCM("istio-system", "defaults-"+class+created, created, []string{"gateway.istio.io/defaults-for-class", class}, data)
}

func TestIGR811(t *testing.T) {
	const at = "Gateway apps/wp spec.infrastructure.parametersRef"
	three := []string{at, at, at} // replicas, PDB, spread
	runClusterTable(t, ruleIGR811(), map[string]clusterCase{
		"hit: a waypoint with no overlay anywhere": {docs: []string{waypointDoc("wp", "istio-waypoint", "")}, want: three},
		"hit: an ingress Gateway (class istio) and an east-west one": {docs: []string{
			strings.Replace(waypointDoc("wp", "istio", ""), "protocol: HBONE", "protocol: HTTP", 1),
			strings.Replace(waypointDoc("ew", "istio-east-west", ""), "name: mesh", "name: tls", 1)},
			want: append(slices.Clone(three), "Gateway apps/ew spec.infrastructure.parametersRef", "Gateway apps/ew spec.infrastructure.parametersRef",
				"Gateway apps/ew spec.infrastructure.parametersRef")},
		"hit: an HPA overlay with minReplicas above the template's maxReplicas 1": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": "spec: {minReplicas: 2}",
				"podDisruptionBudget": haPDB, "deployment": haDep})},
			want: []string{at}}, // rejected HPA (so 1 replica): one finding
		"hit: a PDB that keeps one, and anti-affinity over a key not counted": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA,
				"podDisruptionBudget": "spec: {minAvailable: 1}",
				"deployment":          "spec:\n  template:\n    spec:\n      affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: example.com/rack, labelSelector: {}}]}}\n"})},
			want: []string{at, at}},
		"hit: the Gateway's ConfigMap lowers the class defaults": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			classDefaults("istio-waypoint", "", haData()),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": "spec: {minReplicas: 1}"})},
			want: []string{at}},
		"hit: an overlay that deletes the proxy's resources": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB,
				"deployment": haDep + "      containers: [{name: istio-proxy, resources: null}]\n"})},
			want: []string{at}},
		"hit: parametersRef to a missing ConfigMap": {docs: []string{waypointDoc("wp", "istio-waypoint", paramsRef("absent"))},
			want: []string{at + ".name"}},
		"hit: parametersRef of another kind": {docs: []string{waypointDoc("wp", "istio-waypoint",
			"  infrastructure: {parametersRef: {group: example.com, kind: Params, name: p}}\n")}, want: []string{at}},
		"hit: a key istiod does not support fails the render": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB,
				"deployment": haDep, "pdb": haPDB})},
			want: []string{at}},
		"hit: class defaults outside istiod's namespace do not count": {docs: []string{
			waypointDoc("wp", "istio-waypoint", ""),
			overlayCM("apps", "defaults", "", []string{"gateway.istio.io/defaults-for-class", "istio-waypoint"}, haData())},
			want: three},
		"hit: the oldest class defaults win": {docs: []string{
			waypointDoc("wp", "istio-waypoint", ""),
			classDefaults("istio-waypoint", "2026-01-02T00:00:00Z", haData()),
			classDefaults("istio-waypoint", "2026-01-01T00:00:00Z", map[string]string{"deployment": "spec: {replicas: 1}"})},
			want: three},
		"hit (partial): the Gateway's ConfigMap in the input, the class defaults not": {partial: true, docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"deployment": "spec: {replicas: 3}"})},
			want: []string{at, at}}, // PDB, spread (advisory: TestIGR811Texts)
		"miss: every overlay in the Gateway's ConfigMap": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, haData())}},
		"miss: fixed replicas, preferred zone anti-affinity, maxUnavailable 1, JSON overlays": {docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{
				"deployment":          `{"spec": {"replicas": 3, "template": {"spec": {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {"topologyKey": "topology.kubernetes.io/zone", "labelSelector": {}}}]}}}}}}`,
				"podDisruptionBudget": `{"spec": {"maxUnavailable": 1}}`})}},
		"miss: everything from the class defaults": {docs: []string{
			waypointDoc("wp", "istio-waypoint", ""), classDefaults("istio-waypoint", "", haData())}},
		"miss: the oldest class defaults win": {docs: []string{
			waypointDoc("wp", "istio-waypoint", ""),
			classDefaults("istio-waypoint", "2026-01-01T00:00:00Z", haData()),
			classDefaults("istio-waypoint", "2026-01-02T00:00:00Z", map[string]string{"deployment": "spec: {replicas: 1}"})}},
		"miss: defaults of another class": {docs: []string{
			strings.Replace(waypointDoc("wp", "istio", ""), "protocol: HBONE", "protocol: HTTP", 1),
			classDefaults("istio", "", haData()), classDefaults("istio-waypoint", "", nil)}},
		"miss: classes istiod does not deploy, and Gateways with a hostname address": {docs: []string{
			waypointDoc("wp", "nginx", ""),
			waypointDoc("own", "istio-waypoint", "  addresses: [{type: Hostname, value: wp.example.com}]\n")}},
		"hit: minReplicas 3 (a parameter) and an HPA keeping 2": {params: igr811MinReplicas(3), docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, haData())},
			want: []string{at}},
		"miss: minReplicas 3 (a parameter) and an HPA keeping 3": {params: igr811MinReplicas(3), docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": "spec: {minReplicas: 3, maxReplicas: 5}",
				"podDisruptionBudget": haPDB, "deployment": haDep})}},
		"miss: istiodNamespace istio-control (a parameter) and the class defaults there": {params: igr811Namespace("istio-control"), docs: []string{
			waypointDoc("wp", "istio-waypoint", ""),
			strings.Replace(classDefaults("istio-waypoint", "", haData()), "namespace: istio-system", "namespace: istio-control", 1)}},
		"hit: istiodNamespace istio-control (a parameter) and the class defaults in istio-system": {params: igr811Namespace("istio-control"), docs: []string{
			waypointDoc("wp", "istio-waypoint", ""), classDefaults("istio-waypoint", "", haData())},
			want: three},
		"miss: istiodNamespace istio-control (a parameter) and the injector values there spread the waypoint": {params: igr811Namespace("istio-control"), docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB}),
			strings.Replace(injectorCM("", spreadValues), "namespace: istio-system", "namespace: istio-control", 1)}},
		"hit: istiodNamespace istio-control (a parameter): spreading values in istio-system do not count": {params: igr811Namespace("istio-control"), docs: []string{
			waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB}),
			injectorCM("", spreadValues)},
			want: []string{at}}, // no spread (advisory: no values of istiod's namespace in the input)
		"miss (partial): nothing the Gateway is deployed from is in the input": {partial: true, docs: []string{
			waypointDoc("wp", "istio-waypoint", ""), waypointDoc("wp2", "istio-waypoint", paramsRef("absent"))}},
	})
}

// igr811Namespace is IGR811's default parameters with another istiod namespace.
func igr811Namespace(ns string) *IGR811Params {
	p := *ruleIGR811().Params.New().(*IGR811Params)
	p.IstiodNamespace = ns
	return &p
}

// igr811MinReplicas is IGR811's default parameters with another replica floor.
func igr811MinReplicas(n int) *IGR811Params {
	p := *ruleIGR811().Params.New().(*IGR811Params)
	p.MinReplicas = n
	return &p
}

// TestIGR811Texts: the findings say what is wrong and which ConfigMap key
// fixes it, and a partial input without the class defaults only warns.
func TestIGR811Texts(t *testing.T) {
	for desc, tc := range map[string]struct {
		partial bool
		docs    []string
		want    []string
	}{
		"no overlay": {docs: []string{waypointDoc("wp", "istio-waypoint", "")}, want: []string{
			`spec.infrastructure.parametersRef: is unset, and the gateway has no PodDisruptionBudget (fix: set spec.minAvailable: 2 in data.podDisruptionBudget of a ConfigMap named by spec.infrastructure.parametersRef, or of the istio-system ConfigMap labelled gateway.istio.io/defaults-for-class=istio-waypoint)`,
			`spec.infrastructure.parametersRef: is unset, and the gateway has no anti-affinity or spread (fix: set spec.template.spec.topologySpreadConstraints over kubernetes.io/hostname in data.deployment of a ConfigMap named by spec.infrastructure.parametersRef, or of the istio-system ConfigMap labelled gateway.istio.io/defaults-for-class=istio-waypoint; or global.waypoint.topologySpreadConstraints in istiod's values) (advisory)`,
			`spec.infrastructure.parametersRef: is unset, and the gateway runs 1 replica(s), fewer than 2 (fix: set spec.replicas: 2 (or a horizontalPodAutoscaler with spec.minReplicas: 2) in data.deployment of a ConfigMap named by spec.infrastructure.parametersRef, or of the istio-system ConfigMap labelled gateway.istio.io/defaults-for-class=istio-waypoint)`,
		}},
		"rejected HPA, weak PDB, no resources": {docs: []string{waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": "spec: {minReplicas: 3}",
				"podDisruptionBudget": "spec: {maxUnavailable: 2}",
				"deployment":          haDep + "      containers: [{name: istio-proxy, resources: {limits: null}}]\n"})}, want: []string{
			`spec.infrastructure.parametersRef: "wp-params" has an HPA with minReplicas 3 above maxReplicas 1: rejected (fix: set spec.maxReplicas at least spec.minReplicas (the template's maxReplicas is 1) in data.horizontalPodAutoscaler of ConfigMap apps/wp-params (spec.infrastructure.parametersRef))`,
			`spec.infrastructure.parametersRef: "wp-params" has a PodDisruptionBudget that keeps fewer than 2 (fix: set spec.minAvailable: 2 in data.podDisruptionBudget of ConfigMap apps/wp-params (spec.infrastructure.parametersRef))`,
			`spec.infrastructure.parametersRef: "wp-params" proxy lacks cpu limits, memory limits (fix: set cpu and memory requests and limits on the istio-proxy container in data.deployment of ConfigMap apps/wp-params (spec.infrastructure.parametersRef))`,
		}},
		"HPA floor too low": {docs: []string{waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": "spec: {maxReplicas: 3}",
				"podDisruptionBudget": haPDB, "deployment": haDep})}, want: []string{
			`spec.infrastructure.parametersRef: "wp-params" runs 1 replica(s), fewer than 2 (fix: set spec.minReplicas: 2 and spec.maxReplicas in data.horizontalPodAutoscaler of ConfigMap apps/wp-params (spec.infrastructure.parametersRef))`,
		}},
		"partial": {partial: true, docs: []string{waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")),
			overlayCM("apps", "wp-params", "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "deployment": haDep})}, want: []string{
			`spec.infrastructure.parametersRef: "wp-params" has no PodDisruptionBudget (fix: set spec.minAvailable: 2 in data.podDisruptionBudget of ConfigMap apps/wp-params (spec.infrastructure.parametersRef)) (advisory)`,
		}},
	} {
		t.Run(desc, func(t *testing.T) {
			var got []string
			for _, v := range igr811Findings(t, tc.docs, tc.partial) {
				checkViolationText(t, v.Violation)
				s := v.Text() + " (fix: " + v.Fix + ")"
				if v.Advisory {
					s += " (advisory)"
				}
				got = append(got, s)
			}
			slices.Sort(got)
			slices.Sort(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// injectorCM is istiod's injector ConfigMap of revision rev ("" for the
// default) in istio-system, with the values text (YAML or JSON).
func injectorCM(rev, values string) string {
	name := "istio-sidecar-injector"
	if rev != "" {
		name += "-" + rev
	}
	return overlayCM("istio-system", name, "", nil, map[string]string{"config": "policy: enabled\ntemplates: {}\n", "values": values})
}

// Values of istiod's chart that spread waypoints, and that give the
// ingress template's proxy resources.
const (
	spreadValues = `{"global": {"waypoint": {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
  "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"gateway.networking.k8s.io/gateway-name": "wp"}}}],
  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}}}}`
	antiAffinityValues = "global:\n  waypoint:\n    affinity:\n      podAntiAffinity:\n        preferredDuringSchedulingIgnoredDuringExecution:\n" +
		"        - {weight: 100, podAffinityTerm: {topologyKey: topology.kubernetes.io/zone, labelSelector: {}}}\n" +
		"    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: '2', memory: 1Gi}}\n"
	chartDefaultValues = `{"global": {"waypoint": {"affinity": {}, "topologySpreadConstraints": [], "nodeSelector": {}, "tolerations": [],
  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}},
  "proxy": {"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2000m", "memory": "1024Mi"}}}}}`
)

// TestIGR811IstiodValues: the waypoint template takes affinity, spread and
// resources from the values of the istiod that deploys the Gateway (its
// revision: the Gateway's istio.io/rev label, else its namespace's, through
// revision tags, else the default); without those values in the input the
// spread finding is advisory.
func TestIGR811IstiodValues(t *testing.T) {
	ha := func(name string) string { // HPA and PDB from the Gateway's ConfigMap: only spread and resources are open
		return overlayCM("apps", name, "", nil, map[string]string{"horizontalPodAutoscaler": haHPA, "podDisruptionBudget": haPDB})
	}
	wp := func(labels string) string {
		return strings.Replace(waypointDoc("wp", "istio-waypoint", paramsRef("wp-params")), "namespace: apps}", "namespace: apps"+labels+"}", 1)
	}
	ns := func(labels ...string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n" + labelsYAML("  ", labels)
	}
	tag := func(tag, rev string) string {
		return "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: istio-revision-tag-" + tag +
			"\n  labels: {istio.io/rev: " + rev + ", istio.io/tag: " + tag + "}\nwebhooks:\n- name: rev.namespace.sidecar-injector.istio.io\n" +
			"  clientConfig: {url: \"https://istiod.example\"}\n  sideEffects: None\n  admissionReviewVersions: [v1]\n"
	}
	const spread, resources = "no anti-affinity or spread", "proxy lacks"
	for desc, tc := range map[string]struct {
		partial bool
		docs    []string
		want    []string // message part, " (advisory)" when advisory
	}{
		"miss: the default istiod's values spread the waypoint": {docs: []string{wp(""), ha("wp-params"), injectorCM("", spreadValues)}},
		"miss: YAML values with zone anti-affinity":             {docs: []string{wp(""), ha("wp-params"), injectorCM("", antiAffinityValues)}},
		"miss (partial): check's input holds the values":        {partial: true, docs: []string{wp(""), ha("wp-params"), injectorCM("", spreadValues)}},
		"miss: the Gateway's istio.io/rev picks its revision's values": {docs: []string{
			wp(", labels: {istio.io/rev: canary}"), ha("wp-params"), injectorCM("", chartDefaultValues), injectorCM("canary", spreadValues)}},
		"miss: the namespace's istio.io/rev picks its revision's values": {docs: []string{
			ns("istio.io/rev", "canary"), wp(""), ha("wp-params"), injectorCM("", chartDefaultValues), injectorCM("canary", spreadValues)}},
		"miss: a revision tag resolves to its revision's values": {docs: []string{
			wp(", labels: {istio.io/rev: prod}"), tag("prod", "canary"), ha("wp-params"), injectorCM("", chartDefaultValues), injectorCM("canary", spreadValues)}},
		"miss: the default tag picks its revision's values": {docs: []string{
			wp(""), tag("default", "canary"), ha("wp-params"), injectorCM("", chartDefaultValues), injectorCM("canary", spreadValues)}},
		"hit: the chart's default values do not spread": {docs: []string{wp(""), ha("wp-params"), injectorCM("", chartDefaultValues)}, want: []string{spread}},
		"hit: values of another revision do not count": {docs: []string{
			wp(""), ha("wp-params"), injectorCM("", chartDefaultValues), injectorCM("canary", spreadValues)}, want: []string{spread}},
		"hit: the Gateway's label beats its namespace's": {docs: []string{
			ns("istio.io/rev", "canary"), wp(", labels: {istio.io/rev: stable}"), ha("wp-params"), injectorCM("canary", spreadValues),
			injectorCM("stable", chartDefaultValues)}, want: []string{spread}},
		"hit: values outside istiod's namespace do not count": {docs: []string{wp(""), ha("wp-params"),
			strings.Replace(injectorCM("", spreadValues), "namespace: istio-system", "namespace: apps", 1)}, want: []string{spread + " (advisory)"}},
		"hit (advisory): no values in the input": {docs: []string{wp(""), ha("wp-params")}, want: []string{spread + " (advisory)"}},
		"hit (advisory): values for another revision only": {docs: []string{
			wp(", labels: {istio.io/rev: canary}"), ha("wp-params"), injectorCM("", spreadValues)}, want: []string{spread + " (advisory)"}},
		"hit (advisory): values istiod cannot parse": {docs: []string{wp(""), ha("wp-params"), injectorCM("", "{global: [")},
			want: []string{spread + " (advisory)"}},
		"hit: values that unset the waypoint's resources, with null entries dropped": {docs: []string{wp(""), ha("wp-params"),
			injectorCM("", `{"global": {"waypoint": {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {}}], "resources": {"requests": {"cpu": "100m", "memory": null}}}}}`)},
			want: []string{resources + " memory requests, cpu limits, memory limits"}},
		"hit: values without waypoint resources": {docs: []string{wp(""), ha("wp-params"), injectorCM("", `{"global": {"waypoint": {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname", "labelSelector": {}}]}}}}}`)},
			want: []string{resources + " cpu requests, memory requests, cpu limits, memory limits"}},
		"hit: the ingress template takes no spread from the waypoint values": {docs: []string{
			strings.Replace(strings.Replace(wp(""), "istio-waypoint", "istio", 1), "protocol: HBONE", "protocol: HTTP", 1), ha("wp-params"),
			injectorCM("", spreadValues)}, want: []string{resources + " cpu requests, memory requests, cpu limits, memory limits", spread}},
		"miss: the ingress template's proxy resources from global.proxy.resources": {docs: []string{
			strings.Replace(strings.Replace(wp(""), "istio-waypoint", "istio", 1), "protocol: HBONE", "protocol: HTTP", 1),
			overlayCM("apps", "wp-params", "", nil, haData()), injectorCM("", chartDefaultValues)}},
	} {
		t.Run(desc, func(t *testing.T) {
			var got []string
			for _, v := range igr811Findings(t, tc.docs, tc.partial) {
				checkViolationText(t, v.Violation)
				msg := v.Text()
				for _, part := range []string{spread, resources} {
					if i := strings.Index(msg, part); i >= 0 {
						msg = msg[i:]
					}
				}
				if v.Advisory {
					msg += " (advisory)"
				}
				got = append(got, msg)
			}
			slices.Sort(got)
			slices.Sort(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// igr811Findings runs IGR811 with its default parameters over docs, as one
// cluster (complete unless partial).
func igr811Findings(t *testing.T, docs []string, partial bool) []clusterViolation {
	t.Helper()
	idx := NewClusterIndex(!partial)
	for _, d := range docs {
		idx.Add(clusterObject(t, d))
	}
	p, err := effectiveParams("rule IGR811", ruleIGR811().Params, nil)
	if err != nil {
		t.Fatal(err)
	}
	return checkIGR811(idx, p.(*IGR811Params))
}
