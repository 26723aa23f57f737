package policy

import "testing"

// r3Namespaces are the namespace labels the IGR702 cases run with.
var r3Namespaces = map[string]map[string]string{
	"injected":        {"istio-injection": "enabled"},
	"revision":        {"istio.io/rev": "canary"},
	"legacy-wins":     {"istio-injection": "disabled", "istio.io/rev": "canary"},
	"ambient":         {"istio.io/rev": "canary", "istio.io/dataplane-mode": "ambient"},
	"plain":           {"team": "web"},
	"injected-labels": {"istio-injection": "enabled", "kubernetes.io/metadata.name": "injected-labels"},
}

// r3Pod is a Pod document in ns with the given metadata fragment.
func r3Pod(ns, meta string) string {
	return `{metadata: {name: p, namespace: ` + ns + `, ` + meta + `}, spec: {containers: [{name: app, image: app}]}}`
}

func TestIGR702(t *testing.T) {
	ann := `annotations: {sidecar.istio.io/inject: "false"}`
	r3Run(t, ruleIGR702(), map[string]r3Case{
		"hit: annotation false in an injected namespace": {
			kind: KindPod, doc: r3Pod("injected", ann), ns: r3Namespaces,
			want: []string{"metadata.annotations[sidecar.istio.io/inject]"},
		},
		"hit: label false in a revision namespace": {
			kind: KindPod, doc: r3Pod("revision", `labels: {sidecar.istio.io/inject: "false"}`), ns: r3Namespaces,
			want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"hit: label wins over an annotation that says true": {
			kind: KindPod, doc: r3Pod("injected", `labels: {sidecar.istio.io/inject: "false"}, annotations: {sidecar.istio.io/inject: "true"}`),
			ns: r3Namespaces, want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"miss: label true wins over an annotation that says false": {
			kind: KindPod, doc: r3Pod("injected", `labels: {sidecar.istio.io/inject: "true"}, `+ann), ns: r3Namespaces,
		},
		"hit: annotation no (not read as true by the injector)": {
			kind: KindPod, doc: r3Pod("injected", `annotations: {sidecar.istio.io/inject: "no"}`), ns: r3Namespaces,
			want: []string{"metadata.annotations[sidecar.istio.io/inject]"},
		},
		"hit: label disabled (any non-true value opts out in Istio)": {
			kind: KindPod, doc: r3Pod("injected", `labels: {sidecar.istio.io/inject: "disabled"}`), ns: r3Namespaces,
			want: []string{"metadata.labels[sidecar.istio.io/inject]"},
		},
		"hit: annotation with a trailing space (Istio does not trim)": {
			kind: KindPod, doc: r3Pod("injected", `annotations: {sidecar.istio.io/inject: "true "}`), ns: r3Namespaces,
			want: []string{"metadata.annotations[sidecar.istio.io/inject]"},
		},
		"miss: empty label replaces the annotation and leaves the namespace to decide": {
			kind: KindPod, doc: r3Pod("injected", `labels: {sidecar.istio.io/inject: ""}, `+ann), ns: r3Namespaces,
		},
		"miss: annotation yes": {
			kind: KindPod, doc: r3Pod("injected", `annotations: {sidecar.istio.io/inject: "yes"}`), ns: r3Namespaces,
		},
		"miss: istio-injection=disabled beats the revision label": {
			kind: KindPod, doc: r3Pod("legacy-wins", ann), ns: r3Namespaces,
		},
		"miss: ambient namespace":                    {kind: KindPod, doc: r3Pod("ambient", ann), ns: r3Namespaces},
		"miss: namespace not labelled for injection": {kind: KindPod, doc: r3Pod("plain", ann), ns: r3Namespaces},
		"miss: unknown namespace":                    {kind: KindPod, doc: r3Pod("elsewhere", ann), ns: r3Namespaces},
		"miss: no namespace lookup at all":           {kind: KindPod, doc: r3Pod("injected", ann)},
		"hit: deployment template opt-out": {
			kind: KindDeployment, ns: r3Namespaces,
			doc:  `{metadata: {name: d, namespace: injected}, spec: {template: {metadata: {` + ann + `}}}}`,
			want: []string{"spec.template.metadata.annotations[sidecar.istio.io/inject]"},
		},
		"miss: opt-out on the deployment, not its template": {
			kind: KindDeployment, ns: r3Namespaces, doc: `{metadata: {name: d, namespace: injected, ` + ann + `}}`,
		},
		"hit: cronjob template opt-out": {
			kind: KindCronJob, ns: r3Namespaces,
			doc: `{metadata: {name: c, namespace: revision}, spec: {schedule: "* * * * *",
  jobTemplate: {spec: {template: {metadata: {labels: {sidecar.istio.io/inject: "false"}}}}}}}`,
			want: []string{"spec.jobTemplate.spec.template.metadata.labels[sidecar.istio.io/inject]"},
		},
	})
}

func TestIGR702ThroughEngine(t *testing.T) {
	ctx := &Context{Namespaces: NamespaceLabels(r3Namespaces)}
	obj := r3Object(t, KindPod, r3Pod("injected", `annotations: {sidecar.istio.io/inject: "false"}`))
	got := r3EngineFindings(t, ctx, obj, "IGR702")
	if want := "IGR702 metadata.annotations[sidecar.istio.io/inject] deny"; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
}
