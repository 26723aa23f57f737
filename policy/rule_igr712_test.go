package policy

import "testing"

func TestIGR712(t *testing.T) {
	ambient := map[string]map[string]string{"apps": {"istio.io/dataplane-mode": "ambient"}}
	pod := func(meta, spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps" + meta + "}\nspec: {containers: [{name: app, image: app}]" + spec + "}"
	}
	runRuleTable(t, ruleIGR712(), map[string]ruleCase{
		"hit: pod opts out": {kind: KindPod, ns: ambient,
			doc: pod(`, labels: {istio.io/dataplane-mode: none}`, ""), want: []string{"metadata.labels[istio.io/dataplane-mode]"},
		},
		"hit: Deployment template opts out": {kind: KindDeployment, ns: ambient,
			doc: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: apps}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d, istio.io/dataplane-mode: none}}
    spec: {containers: [{name: app, image: app}]}`,
			want: []string{"spec.template.metadata.labels[istio.io/dataplane-mode]"},
		},
		"hit (advisory): hostNetwork pod": {kind: KindPod, ns: ambient,
			doc: pod("", ", hostNetwork: true"), want: []string{"spec.hostNetwork (advisory)"},
		},
		"miss: enrolled pod, explicit or by namespace": {kind: KindPod, ns: ambient,
			doc: pod(`, labels: {istio.io/dataplane-mode: ambient}`, ""),
		},
		"miss: other label values do not opt out": {kind: KindPod, ns: ambient,
			doc: pod(`, labels: {istio.io/dataplane-mode: None}`, ""),
		},
		"miss: pod with an injected sidecar": {kind: KindPod, ns: ambient,
			doc: pod(`, labels: {istio.io/dataplane-mode: none}, annotations: {sidecar.istio.io/status: "{}"}`, ""),
		},
		"miss: namespace not ambient or unknown": {kind: KindPod,
			ns:  map[string]map[string]string{"apps": {"istio-injection": "enabled"}},
			doc: pod(`, labels: {istio.io/dataplane-mode: none}`, ""),
		},
		"miss: namespace unknown": {kind: KindPod, doc: pod(`, labels: {istio.io/dataplane-mode: none}`, "")},
	})
}
