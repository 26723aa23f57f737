package policy

import "testing"

func TestIGR602(t *testing.T) {
	runRuleTable(t, ruleIGR602(), map[string]ruleCase{
		"hit: istiooperator defaults have requests but no limits": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.resources.limits"},
		},
		"hit: istiooperator limits without memory": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {resources: {limits: {cpu: "2"}}}}}}`,
			want: []string{"spec.components.pilot.k8s.resources.limits"},
		},
		"miss: istiooperator null requests default to the limits": {
			kind: KindIstioOperator,
			doc:  `spec: {components: {pilot: {k8s: {resources: {requests: null, limits: {cpu: "2", memory: 4Gi}}}}}}`,
		},
		"hit: istiooperator explicit null resources": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {resources: null}}}}`,
			want: []string{"spec.components.pilot.k8s.resources.limits", "spec.components.pilot.k8s.resources.requests"},
		},
		"hit: istiooperator empty cpu request and no limits": {
			kind: KindIstioOperator, doc: `spec: {values: {pilot: {resources: {requests: {cpu: ""}}}}}`,
			want: []string{"spec.values.pilot.resources.limits", "spec.values.pilot.resources.requests"},
		},
		"miss: istiooperator requests and limits": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {resources: {limits: {cpu: "2", memory: 4Gi}}}}}}`,
		},
		"hit: istiod values defaults": {kind: KindIstiodValues, doc: `{}`, want: []string{"pilot.resources.limits"}},
		"hit: istiod values top-level resources without limits": {
			kind: KindIstiodValues, doc: `{resources: {requests: {cpu: 1}}}`, want: []string{"resources.limits"},
		},
		"miss: istiod values pilot.resources complete": {
			kind: KindIstiodValues, doc: `{pilot: {resources: {requests: {cpu: 500m, memory: 2Gi}, limits: {cpu: 2, memory: 4Gi}}}}`,
		},
		"hit: rendered istiod discovery container without resources": {
			kind: KindDeployment,
			doc:  `{metadata: {name: istiod, labels: {app: istiod}}, spec: {template: {spec: {containers: [{name: discovery}]}}}}`,
			want: []string{"spec.template.spec.containers[0].resources.limits", "spec.template.spec.containers[0].resources.requests"},
		},
		"miss: rendered istiod with limits (requests default to limits)": {
			kind: KindDeployment,
			doc: `{metadata: {name: istiod, labels: {app: istiod}}, spec: {template: {spec: {containers: [
  {name: discovery, resources: {limits: {cpu: "2", memory: 4Gi}}}]}}}}`,
		},
		"miss: gateway values are not istiod": {kind: KindGatewayValues, doc: `{}`},
	})
}
