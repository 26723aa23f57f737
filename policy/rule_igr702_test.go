package policy

import "testing"

// igr702Namespaces are the namespace labels the IGR702 cases run with.
var igr702Namespaces = map[string]map[string]string{
	"injected":        {"istio-injection": "enabled"},
	"revision":        {"istio.io/rev": "canary"},
	"legacy-wins":     {"istio-injection": "disabled", "istio.io/rev": "canary"},
	"ambient":         {"istio.io/rev": "canary", "istio.io/dataplane-mode": "ambient"},
	"plain":           {"team": "web"},
	"injected-labels": {"istio-injection": "enabled", "kubernetes.io/metadata.name": "injected-labels"},
}

// podDoc is a Pod document in ns with the given metadata fragment.
func podDoc(ns, meta string) string {
	return `{metadata: {name: p, namespace: ` + ns + `, ` + meta + `}, spec: {containers: [{name: app, image: app}]}}`
}

func TestIGR702(t *testing.T) {
	ann := `annotations: {sidecar.istio.io/inject: "false"}`
	runRuleTable(t, ruleIGR702(), map[string]ruleCase{
		"hit: annotation false in an injected namespace": {
			kind: KindPod, doc: podDoc("injected", ann), ns: igr702Namespaces,
			want: []string{"metadata.annotations[sidecar.istio.io/inject]"},
		},
		"hit: label false in a revision namespace": {
			kind: KindPod, doc: podDoc("revision", `labels: {sidecar.istio.io/inject: "false"}`), ns: igr702Namespaces,
			want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"hit: label wins over an annotation that says true": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "false"}, annotations: {sidecar.istio.io/inject: "true"}`),
			ns: igr702Namespaces, want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"miss: label true wins over an annotation that says false": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "true"}, `+ann), ns: igr702Namespaces,
		},
		// Istio 1.31 reads only "true" and "false": other values fall back to
		// the namespace default, which injects here.
		"miss: annotation no is invalid to Istio, so the namespace injects": {
			kind: KindPod, doc: podDoc("injected", `annotations: {sidecar.istio.io/inject: "no"}`), ns: igr702Namespaces,
		},
		"miss: label disabled is invalid to Istio, so the namespace injects": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "disabled"}`), ns: igr702Namespaces,
		},
		"miss: False is not false to Istio": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "False"}`), ns: igr702Namespaces,
		},
		"miss: an annotation with a trailing space is invalid, the namespace injects": {
			kind: KindPod, doc: podDoc("injected", `annotations: {sidecar.istio.io/inject: "true "}`), ns: igr702Namespaces,
		},
		"hit: a label false wins over an invalid annotation": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "false"}, annotations: {sidecar.istio.io/inject: "maybe"}`),
			ns: igr702Namespaces, want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"miss: empty label replaces the annotation and leaves the namespace to decide": {
			kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: ""}, `+ann), ns: igr702Namespaces,
		},
		"miss: annotation yes": {
			kind: KindPod, doc: podDoc("injected", `annotations: {sidecar.istio.io/inject: "yes"}`), ns: igr702Namespaces,
		},
		// Up to Istio 1.26 any non-empty value other than y/yes/true/on (any
		// case) disabled injection, so these opt out there.
		"hit: 1.26 reads annotation no as an opt-out": {
			istio: "1.26", kind: KindPod, doc: podDoc("injected", `annotations: {sidecar.istio.io/inject: "no"}`), ns: igr702Namespaces,
			want: []string{"metadata.annotations[sidecar.istio.io/inject]"},
		},
		"hit: 1.26 reads label False as an opt-out": {
			istio: "1.26.4", kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "False"}`), ns: igr702Namespaces,
			want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"miss: 1.26 reads label On as injection": {
			istio: "1.26", kind: KindPod, doc: podDoc("injected", `labels: {sidecar.istio.io/inject: "On"}`), ns: igr702Namespaces,
		},
		"miss: 1.27 reads annotation no as invalid, the namespace injects": {
			istio: "1.27", kind: KindPod, doc: podDoc("injected", `annotations: {sidecar.istio.io/inject: "no"}`), ns: igr702Namespaces,
		},
		"miss: istio-injection=disabled beats the revision label": {
			kind: KindPod, doc: podDoc("legacy-wins", ann), ns: igr702Namespaces,
		},
		"miss: ambient namespace":                    {kind: KindPod, doc: podDoc("ambient", ann), ns: igr702Namespaces},
		"miss: namespace not labelled for injection": {kind: KindPod, doc: podDoc("plain", ann), ns: igr702Namespaces},
		"miss: unknown namespace":                    {kind: KindPod, doc: podDoc("elsewhere", ann), ns: igr702Namespaces},
		"miss: no namespace lookup at all":           {kind: KindPod, doc: podDoc("injected", ann)},
		"hit: deployment template opt-out": {
			kind: KindDeployment, ns: igr702Namespaces,
			doc:  `{metadata: {name: d, namespace: injected}, spec: {template: {metadata: {` + ann + `}}}}`,
			want: []string{"spec.template.metadata.annotations[sidecar.istio.io/inject]"},
		},
		"miss: opt-out on the deployment, not its template": {
			kind: KindDeployment, ns: igr702Namespaces, doc: `{metadata: {name: d, namespace: injected, ` + ann + `}}`,
		},
		"hit: cronjob template opt-out": {
			kind: KindCronJob, ns: igr702Namespaces,
			doc: `{metadata: {name: c, namespace: revision}, spec: {schedule: "* * * * *",
  jobTemplate: {spec: {template: {metadata: {labels: {sidecar.istio.io/inject: "false"}}}}}}}`,
			want: []string{"spec.jobTemplate.spec.template.metadata.labels[sidecar.istio.io/inject]"},
		},
	})
}

func TestIGR702ThroughEngine(t *testing.T) {
	ctx := &Context{Namespaces: NamespaceLabels(igr702Namespaces)}
	obj := testObject(t, KindPod, podDoc("injected", `annotations: {sidecar.istio.io/inject: "false"}`))
	got := engineFindings(t, ctx, obj, "IGR702")
	if want := "IGR702 metadata.annotations[sidecar.istio.io/inject] deny"; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
}

func TestIGR702HostNetwork(t *testing.T) {
	runRuleTable(t, ruleIGR702(), map[string]ruleCase{
		"hit (advisory): a hostNetwork pod in an injected namespace is never injected": {
			kind: KindPod, doc: "metadata: {name: p, namespace: injected}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: a}]\n",
			ns: igr702Namespaces, want: []string{"spec.hostNetwork (advisory)"}},
		"miss: a hostNetwork pod outside the mesh": {
			kind: KindPod, doc: "metadata: {name: p, namespace: plain}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: a}]\n",
			ns: igr702Namespaces},
		"hit: a hostNetwork pod that also opts out is reported for the opt-out": {
			kind: KindPod, doc: "metadata: {name: p, namespace: injected, labels: {sidecar.istio.io/inject: \"false\"}}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: a}]\n",
			ns: igr702Namespaces, want: []string{"metadata.labels[sidecar.istio.io/inject]"}},
	})
}
