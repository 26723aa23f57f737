package policy

import (
	"strings"
	"testing"
)

func TestIGR601(t *testing.T) {
	runRuleTable(t, ruleIGR601(), map[string]ruleCase{
		"hit: istiooperator defaults (HPA minimum 1)": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.hpaSpec.minReplicas"},
		},
		"hit: istiooperator replicaCount 3 ignored while autoscaling": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {replicaCount: 3}}}}`,
			want: []string{"spec.components.pilot.k8s.hpaSpec.minReplicas"},
		},
		"hit: istiooperator hpaSpec.minReplicas 2": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 2}}}}}`,
			want: []string{"spec.components.pilot.k8s.hpaSpec.minReplicas"},
		},
		"hit: istiooperator values.pilot.autoscaleMin 1": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {autoscaleMin: 1}}}`,
			want: []string{"spec.values.pilot.autoscaleMin"},
		},
		"hit: istiooperator autoscaling off without replicaCount": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {autoscaleEnabled: false}}}`,
			want: []string{"spec.components.pilot.k8s.replicaCount"},
		},
		"hit: istiooperator autoscaling off with 2 replicas in values": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {autoscaleEnabled: false, replicaCount: 2}}}`,
			want: []string{"spec.values.pilot.replicaCount"},
		},
		"miss: istiooperator HPA minimum 3": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {hpaSpec: {minReplicas: 3}}}}}`,
		},
		"miss: istiooperator 3 fixed replicas": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {replicaCount: 3}}}, values: {pilot: {autoscaleEnabled: false}}}`,
		},
		"miss: istiooperator without istiod": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {enabled: false}}}`,
		},
		"hit: istiod values defaults": {kind: KindIstiodValues, doc: `{}`, want: []string{"pilot.autoscaleMin"}},
		"hit: istiod values top-level autoscaleMin 2": {
			kind: KindIstiodValues, doc: `{autoscaleMin: 2}`, want: []string{"autoscaleMin"},
		},
		"miss: istiod values pilot.autoscaleMin 3": {kind: KindIstiodValues, doc: `{pilot: {autoscaleMin: 3}}`},
		"miss: istiod values fixed 3 replicas at top level": {
			kind: KindIstiodValues, doc: `{autoscaleEnabled: false, replicaCount: 3}`,
		},
		"miss: parameter lowered to 2": {
			kind: KindIstiodValues, doc: `{pilot: {autoscaleMin: 2}}`, params: paramsWith(func(p *IGR601Params) { p.MinReplicas = 2 }),
		},
		"miss: rendered istiod with 1 replica (the API server's default under an HPA)": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}, spec: {replicas: 1}}`,
		},
		"miss: rendered canary istiod-<rev> with 1 replica": {
			kind: KindDeployment, doc: `{metadata: {name: istiod-1-24-0, labels: {app: istiod}}, spec: {replicas: 1}}`,
		},
		"hit: rendered istiod with 2 replicas (advisory)": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}, spec: {replicas: 2}}`,
			want: []string{"spec.replicas (advisory)"},
		},
		"miss: rendered istiod with 3 replicas": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}, spec: {replicas: 3}}`,
		},
		"miss: rendered istiod without replicas (HPA managed)": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: istiod}}}`,
		},
		"miss: ordinary deployment with 1 replica": {
			kind: KindDeployment, doc: `{metadata: {name: web}, spec: {replicas: 1}}`,
		},
	})
}

func TestIGR601Message(t *testing.T) {
	vs := ruleIGR601().Check(nil, testObject(t, KindIstioOperator, `spec: {}`), &IGR601Params{MinReplicas: 3})
	if len(vs) != 1 {
		t.Fatalf("want one violation, got %+v", vs)
	}
	if got, want := vs[0].Text(), "spec.components.pilot.k8s.hpaSpec.minReplicas: defaults to 1; must be at least 3"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if got, want := vs[0].Fix, "set spec.components.pilot.k8s.hpaSpec.minReplicas: 3"; got != want {
		t.Errorf("fix = %q, want %q", got, want)
	}
}

func TestIGR601RenderedIsAdvisory(t *testing.T) {
	tests := map[string]struct {
		replicas   string
		wantAction Action // "" means no finding
	}{
		"replicas 1 as the API server defaults it: no finding": {replicas: "1"},
		"replicas omitted: no finding":                         {replicas: ""},
		"replicas 2 below the floor: warn, never deny":         {replicas: "2", wantAction: ActionWarn},
	}
	e, err := NewEngine(Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			spec := "{}"
			if tc.replicas != "" {
				spec = "{replicas: " + tc.replicas + "}"
			}
			obj := testObject(t, KindDeployment, `{metadata: {name: istiod, namespace: istio-system, labels: {app: istiod}}, spec: `+spec+`}`)
			var got []Finding
			for _, f := range e.Validate(&Context{Operation: "CREATE"}, obj).Findings {
				if f.Rule == "IGR601" {
					got = append(got, f)
				}
			}
			switch {
			case tc.wantAction == "" && len(got) != 0:
				t.Errorf("want no IGR601 finding, got %v", got)
			case tc.wantAction != "" && (len(got) != 1 || got[0].Action != tc.wantAction):
				t.Errorf("want one IGR601 finding at %s, got %v", tc.wantAction, got)
			case tc.wantAction != "" && !strings.Contains(got[0].Message, "HPA"):
				t.Errorf("message %q does not mention the HPA", got[0].Message)
			}
		})
	}
}
