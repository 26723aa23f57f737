package policy

import (
	"encoding/json"
	"slices"
	"testing"
)

// cpPaths renders the paths of the settings of a component, for comparison.
func cpPaths(c *cpComponent) []string {
	var out []string
	for _, n := range []cpNode{c.Replicas, c.Autoscale, c.HPAMin, c.Resources, c.PDB, c.DefaultPDB, c.Affinity, c.Spread} {
		s := "-"
		if n.path != nil {
			s = n.path.String()
		}
		if n.set {
			s += "(set)"
		}
		out = append(out, s)
	}
	return out
}

func TestControlPlaneOfIstiod(t *testing.T) {
	for desc, tc := range map[string]struct {
		kind Kind
		doc  string
		want []string // paths of the istiod settings; nil means no istiod
	}{
		"istiooperator defaults point to k8s settings": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.pilot.k8s.replicaCount", "spec.values.pilot.autoscaleEnabled",
				"spec.components.pilot.k8s.hpaSpec.minReplicas", "spec.components.pilot.k8s.resources",
				"spec.components.pilot.k8s.podDisruptionBudget", "spec.values.global.defaultPodDisruptionBudget.enabled",
				"spec.components.pilot.k8s.affinity", "spec.components.pilot.k8s.topologySpreadConstraints"},
		},
		"istiooperator values.pilot used when k8s is absent": {
			kind: KindIstioOperator,
			doc:  `spec: {values: {pilot: {autoscaleMin: 3, replicaCount: 3, resources: {}}}}`,
			want: []string{"spec.values.pilot.replicaCount(set)", "spec.values.pilot.autoscaleEnabled",
				"spec.values.pilot.autoscaleMin(set)", "spec.values.pilot.resources(set)",
				"spec.components.pilot.k8s.podDisruptionBudget", "spec.values.global.defaultPodDisruptionBudget.enabled",
				"spec.components.pilot.k8s.affinity", "spec.components.pilot.k8s.topologySpreadConstraints"},
		},
		"istiooperator with pilot disabled has no istiod": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {enabled: false}}}`,
		},
		"istiooperator empty profile has no istiod": {
			kind: KindIstioOperator, doc: `spec: {profile: empty}`,
		},
		"istiooperator empty profile with pilot enabled": {
			kind: KindIstioOperator, doc: `spec: {profile: empty, components: {pilot: {enabled: true, k8s: {replicaCount: 3}}}}`,
			want: []string{"spec.components.pilot.k8s.replicaCount(set)", "spec.values.pilot.autoscaleEnabled",
				"spec.components.pilot.k8s.hpaSpec.minReplicas", "spec.components.pilot.k8s.resources",
				"spec.components.pilot.k8s.podDisruptionBudget", "spec.values.global.defaultPodDisruptionBudget.enabled",
				"spec.components.pilot.k8s.affinity", "spec.components.pilot.k8s.topologySpreadConstraints"},
		},
		"istiod values: pilot.* wins over top level, top level used alone": {
			kind: KindIstiodValues,
			doc:  `{replicaCount: 5, autoscaleEnabled: false, pilot: {replicaCount: 3}, affinity: {}}`,
			want: []string{"pilot.replicaCount(set)", "autoscaleEnabled(set)", "pilot.autoscaleMin", "pilot.resources",
				"pilot.pdb", "global.defaultPodDisruptionBudget.enabled", "affinity(set)",
				"pilot.topologySpreadConstraints"},
		},
		"gateway values have no istiod": {kind: KindGatewayValues, doc: `{replicaCount: 3}`},
		"rendered istiod deployment": {
			kind: KindDeployment,
			doc: `{metadata: {name: istiod-canary, namespace: istio-system, labels: {app: istiod}},
spec: {replicas: 3, template: {spec: {containers: [{name: sidecar}, {name: discovery}]}}}}`,
			want: []string{"spec.replicas(set)", "-", "-", "spec.template.spec.containers[1].resources(set)",
				"-", "-", "spec.template.spec.affinity", "spec.template.spec.topologySpreadConstraints"},
		},
		"deployment named istiod without the app label is not istiod": {
			kind: KindDeployment, doc: `{metadata: {name: istiod, labels: {app: other}}}`,
		},
	} {
		t.Run(desc, func(t *testing.T) {
			cp, ok := controlPlaneOf(testObject(t, tc.kind, tc.doc))
			if !ok || cp.Istiod == nil {
				if tc.want != nil {
					t.Fatalf("no istiod (ok=%v), want %q", ok, tc.want)
				}
				return
			}
			if got := cpPaths(cp.Istiod); !slices.Equal(got, tc.want) {
				t.Errorf("istiod paths:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestControlPlaneOfGateways(t *testing.T) {
	for desc, tc := range map[string]struct {
		kind Kind
		doc  string
		want []string // path of each gateway's replicaCount
	}{
		"istiooperator default profile checks its gateway": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.components.ingressGateways[0].k8s.replicaCount"},
		},
		"istiooperator minimal profile has no gateway": {kind: KindIstioOperator, doc: `spec: {profile: minimal}`},
		"istiooperator disabled gateways are skipped": {
			kind: KindIstioOperator,
			doc: `spec: {components: {ingressGateways: [{name: a, enabled: false}, {name: b, enabled: true},
  {name: c, k8s: {replicaCount: 2}}]}}`,
			want: []string{"spec.components.ingressGateways[1].k8s.replicaCount",
				"spec.components.ingressGateways[2].k8s.replicaCount(set)"},
		},
		"gateway values":                {kind: KindGatewayValues, doc: `{replicaCount: 3}`, want: []string{"replicaCount(set)"}},
		"istiod values have no gateway": {kind: KindIstiodValues, doc: `{}`},
		"deployment labelled istio: ingressgateway": {
			kind: KindDeployment,
			doc:  `{metadata: {name: gw, labels: {istio: ingressgateway}}, spec: {template: {spec: {containers: [{name: istio-proxy}]}}}}`,
			want: []string{"spec.replicas"},
		},
		"deployment with app: istio-ingressgateway on the template": {
			kind: KindDeployment,
			doc:  `{metadata: {name: gw}, spec: {template: {metadata: {labels: {app: istio-ingressgateway}}}}}`,
			want: []string{"spec.replicas"},
		},
		"deployment of the gateway chart installed as istio-ingress": {
			kind: KindDeployment,
			doc:  `{metadata: {name: istio-ingress, labels: {app: istio-ingress, istio: ingress}}}`,
			want: []string{"spec.replicas"},
		},
		"egress gateway deployment": {
			kind: KindDeployment, doc: `{metadata: {name: istio-egressgateway, labels: {istio: egressgateway}}}`,
		},
		"ordinary deployment": {kind: KindDeployment, doc: `{metadata: {name: web, labels: {app: web}}}`},
	} {
		t.Run(desc, func(t *testing.T) {
			cp, ok := controlPlaneOf(testObject(t, tc.kind, tc.doc))
			var got []string
			if ok {
				for _, gw := range cp.Gateways {
					got = append(got, cpPaths(gw)[0])
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("gateways:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestMeshConfigOf(t *testing.T) {
	cm := func(ns, name, mesh string) string {
		return `{metadata: {namespace: ` + ns + `, name: ` + name + `}, data: {mesh: ` + mesh + `}}`
	}
	for desc, tc := range map[string]struct {
		kind    Kind
		doc     string
		want    string // path of the mesh config; "" means no mesh config
		wantErr bool
	}{
		"istiooperator":                   {kind: KindIstioOperator, doc: `spec: {}`, want: "spec.meshConfig"},
		"istiod values":                   {kind: KindIstiodValues, doc: `{}`, want: "meshConfig"},
		"gateway values":                  {kind: KindGatewayValues, doc: `{}`},
		"mesh configmap":                  {kind: KindConfigMap, doc: cm("istio-system", "istio", `"{}"`), want: "data[mesh]"},
		"revisioned mesh configmap":       {kind: KindConfigMap, doc: cm("istio-system", "istio-canary", `"{}"`), want: "data[mesh]"},
		"configmap in another namespace":  {kind: KindConfigMap, doc: cm("apps", "istio", `"{}"`)},
		"istio-* configmap without mesh":  {kind: KindConfigMap, doc: `{metadata: {namespace: istio-system, name: istio-ca-root-cert}, data: {root-cert.pem: x}}`},
		"other configmap with a mesh key": {kind: KindConfigMap, doc: cm("istio-system", "app-config", `"{}"`)},
		"unparsable mesh":                 {kind: KindConfigMap, doc: cm("istio-system", "istio", `"a: [b"`), want: "data[mesh]", wantErr: true},
		"istio configmap without a mesh key is the defaults, like mesh: \"\"": {kind: KindConfigMap,
			doc: `{metadata: {namespace: istio-system, name: istio}, data: {meshNetworks: "networks: {}"}}`, want: "data[mesh]"},
	} {
		t.Run(desc, func(t *testing.T) {
			src, ok := meshConfigOf(testObject(t, tc.kind, tc.doc), "istio-system")
			if !ok {
				if tc.want != "" {
					t.Fatalf("no mesh config, want one at %s", tc.want)
				}
				return
			}
			if got := src.Mesh.path.String(); got != tc.want {
				t.Errorf("mesh path = %s, want %s", got, tc.want)
			}
			if (src.Err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", src.Err, tc.wantErr)
			}
		})
	}
}

func TestControlPlaneOfNilSafe(t *testing.T) {
	for desc, obj := range map[string]*Object{
		"istiooperator nil body":      {GroupKind: KindIstioOperator.GroupKind()},
		"istiooperator foreign body":  {GroupKind: KindIstioOperator.GroupKind(), Body: "text"},
		"istiod values nil map":       {GroupKind: KindIstiodValues.GroupKind(), Body: map[string]any(nil)},
		"istiooperator scalar spec":   {GroupKind: KindIstioOperator.GroupKind(), Body: map[string]any{"spec": 3}},
		"istiooperator list gateways": {GroupKind: KindIstioOperator.GroupKind(), Body: map[string]any{"spec": map[string]any{"components": map[string]any{"ingressGateways": "x"}}}},
		"deployment nil body":         {GroupKind: KindDeployment.GroupKind()},
		"configmap nil body":          {GroupKind: KindConfigMap.GroupKind()},
	} {
		t.Run(desc, func(t *testing.T) {
			for _, r := range rulesBetween(t, "IGR601", "IGR613") {
				p, _ := effectiveParams(r.ID, r.Params, nil)
				for _, v := range r.Check(nil, obj, p) {
					checkViolationText(t, v)
				}
			}
		})
	}
}

func TestCPNodeNumber(t *testing.T) {
	for desc, tc := range map[string]struct {
		val  any
		want float64
		ok   bool
	}{
		"int":               {val: 3, want: 3, ok: true},
		"int64 (yaml v3)":   {val: int64(3), want: 3, ok: true},
		"float64 (json)":    {val: 2.5, want: 2.5, ok: true},
		"json.Number":       {val: json.Number("4"), want: 4, ok: true},
		"numeric string":    {val: "3", want: 3, ok: true},
		"percentage string": {val: "50%"},
		"quantity string":   {val: "2Gi"},
		"bool":              {val: true},
		"absent":            {},
	} {
		t.Run(desc, func(t *testing.T) {
			got, ok := cpNode{val: tc.val, set: tc.val != nil}.number()
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("number() = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
