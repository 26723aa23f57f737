package policy

import (
	"encoding/json"
	"fmt"
	"istio.io/api/annotation"
	"strings"

	meshapi "istio.io/api/mesh/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// This file normalises the places the control plane is configured (an
// IstioOperator, the values of the istiod and gateway Helm charts, the mesh
// ConfigMap and rendered Deployments) into one small view, so each IGR6xx
// rule is written once and reports the field path of the source it read.
//
// Values keep Helm's merge semantics over the chart defaults: an absent key
// keeps the default and an explicit null removes it.

// controlPlane is the normalised view of one control-plane source. Every
// part is optional: a gateway values file has no istiod and no mesh config.
type controlPlane struct {
	// Istiod is the istiod component, nil when the source does not install it.
	Istiod *cpComponent
	// Gateways are the ingress gateway components the source installs.
	Gateways []*cpComponent
	// Mesh is the mesh configuration (spec.meshConfig, meshConfig, or the
	// ConfigMap's data[mesh]); nil when the source cannot carry one.
	Mesh *cpNode
	// Values is the istiod chart values tree (IstioOperator spec.values or the
	// istiod values file itself), nil otherwise.
	Values *cpNode
}

// cpComponent is a Deployment the control plane installs (istiod or a gateway)
// with each setting at the path it came from.
type cpComponent struct {
	Replicas   cpNode // fixed replica count
	Autoscale  cpNode // whether an HPA manages the replicas
	HPAMin     cpNode // the HPA's minimum replicas
	Resources  cpNode // corev1.ResourceRequirements as a map
	PDB        cpNode // explicit PodDisruptionBudget spec
	DefaultPDB cpNode // global.defaultPodDisruptionBudget.enabled
	Affinity   cpNode // corev1.Affinity as a map
	Spread     cpNode // []corev1.TopologySpreadConstraint
	Defaults   cpDefaults
	// Chart, when set, is what a Helm chart renders from these values
	// (replica floor, PDB), computed with the chart's own logic; it takes
	// precedence over the fields above for IGR601 and IGR603.
	Chart *chartRender
}

// cpDefaults are the values a source applies when a setting is absent.
type cpDefaults struct {
	Autoscale bool
	HPAMin    int64
	// Replicas is the replica count when unset; 0 means unknown (a rendered
	// Deployment without replicas is usually scaled by an HPA we cannot see).
	Replicas int64
	// Resources lists the "requests.cpu"-style keys the source sets by default.
	Resources []string
	// DefaultPDB says the chart creates a PDB with minAvailable 1 unless
	// global.defaultPodDisruptionBudget.enabled is false.
	DefaultPDB bool
	// Rendered marks a Deployment from rendered manifests: cross-object
	// settings (HPA, PDB) live in other documents and are not checked.
	Rendered bool
}

// cpIstiodDefaults are istiod's defaults in the istiod chart and the
// IstioOperator default profile (Istio 1.2x): HPA 1-5, requests 500m/2048Mi
// without limits, the default PDB. The defaults are functions rather than
// variables to keep the package free of mutable state.
func cpIstiodDefaults() cpDefaults {
	return cpDefaults{Autoscale: true, HPAMin: 1, Replicas: 1, Resources: []string{"requests.cpu", "requests.memory"}, DefaultPDB: true}
}

// cpIOPGatewayDefaults are the IstioOperator profile's gateway defaults.
func cpIOPGatewayDefaults() cpDefaults {
	return cpDefaults{Autoscale: true, HPAMin: 1, Replicas: 1, Resources: cpAllResourceKeys(), DefaultPDB: true}
}

// cpHelmGatewayDefaults are the gateway chart's defaults (it creates no PDB).
func cpHelmGatewayDefaults() cpDefaults {
	return cpDefaults{Autoscale: true, HPAMin: 1, Replicas: 1, Resources: cpAllResourceKeys()}
}

// cpAllResourceKeys are cpu and memory requests and limits.
func cpAllResourceKeys() []string {
	return []string{"requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
}

// controlPlaneOf normalises obj, or returns ok=false when obj is not a
// control-plane source (a Deployment that is neither istiod nor a gateway).
func controlPlaneOf(obj *Object) (*controlPlane, bool) {
	switch KindOf(obj.GroupKind) {
	case KindIstioOperator:
		doc, ok := obj.Body.(map[string]any)
		return iopControlPlane(doc), ok
	case KindIstiodValues:
		doc, ok := obj.Body.(map[string]any)
		return istiodValuesControlPlane(doc), ok
	case KindGatewayValues:
		doc, ok := obj.Body.(map[string]any)
		return &controlPlane{Gateways: []*cpComponent{gatewayValuesComponent(cpNode{val: doc, set: true})}}, ok
	case KindDeployment:
		d, ok := obj.Body.(*appsv1.Deployment)
		if !ok || d == nil {
			return nil, false
		}
		return deploymentControlPlane(d)
	}
	return nil, false
}

// iopControlPlane reads an IstioOperator document.
func iopControlPlane(doc map[string]any) *controlPlane {
	spec := cpNode{val: doc, set: true}.get("spec")
	values := spec.get("values")
	mesh := spec.get("meshConfig")
	cp := &controlPlane{Mesh: &mesh, Values: &values}
	profile, _ := spec.get("profile").str()
	pilot := spec.get("components", "pilot")
	if cpComponentEnabled(pilot, !cpProfileWithout(profile, "pilot")) {
		k8s, pv := pilot.get("k8s"), values.get("pilot")
		cp.Istiod = &cpComponent{
			Replicas:   cpFirstSet(k8s.get("replicaCount"), pv.get("replicaCount")),
			Autoscale:  pv.get("autoscaleEnabled"),
			HPAMin:     cpFirstSet(k8s.get("hpaSpec", "minReplicas"), pv.get("autoscaleMin")),
			Resources:  cpFirstSet(k8s.get("resources"), pv.get("resources")),
			PDB:        k8s.get("podDisruptionBudget"),
			DefaultPDB: values.get("global", "defaultPodDisruptionBudget", "enabled"),
			Affinity:   cpFirstSet(k8s.get("affinity"), pv.get("affinity")),
			Spread:     cpFirstSet(k8s.get("topologySpreadConstraints"), pv.get("topologySpreadConstraints")),
			Defaults:   cpIstiodDefaults(),
			Chart:      iopIstiodRender(values, k8s),
		}
	}
	cp.Gateways = iopGateways(spec, values, profile)
	return cp
}

// iopGateways returns the enabled ingress gateways of an IstioOperator. When
// the list is absent, the profile's istio-ingressgateway (default and demo
// profiles) is checked with its defaults at the path where it would be set.
func iopGateways(spec, values cpNode, profile string) []*cpComponent {
	list := spec.get("components", "ingressGateways")
	gwValues := values.get("gateways", "istio-ingressgateway")
	var out []*cpComponent
	items := list.list()
	if !list.set && !cpProfileWithout(profile, "ingressGateways") {
		items = []any{map[string]any{}}
	}
	for i := range items {
		gw := list.at(i)
		gw.val = items[i]
		if !cpComponentEnabled(gw, true) {
			continue
		}
		k8s := gw.get("k8s")
		out = append(out, &cpComponent{
			Replicas:   k8s.get("replicaCount"),
			Autoscale:  gwValues.get("autoscaleEnabled"),
			HPAMin:     cpFirstSet(k8s.get("hpaSpec", "minReplicas"), gwValues.get("autoscaleMin")),
			Resources:  k8s.get("resources"),
			PDB:        k8s.get("podDisruptionBudget"),
			DefaultPDB: values.get("global", "defaultPodDisruptionBudget", "enabled"),
			Affinity:   k8s.get("affinity"),
			Spread:     k8s.get("topologySpreadConstraints"),
			Defaults:   cpIOPGatewayDefaults(),
			Chart:      iopGatewayRender(values, k8s),
		})
	}
	return out
}

// cpProfileWithout reports whether an IstioOperator profile leaves out a
// component ("pilot" or "ingressGateways") unless the document enables it.
func cpProfileWithout(profile, component string) bool {
	switch profile {
	case "empty", "remote", "external":
		return true
	case "minimal", "ambient", "preview":
		return component == "ingressGateways"
	}
	return false
}

// cpComponentEnabled reads a component's "enabled" flag with a default.
func cpComponentEnabled(c cpNode, def bool) bool {
	if b, ok := c.get("enabled").boolean(); ok {
		return b
	}
	return def
}

// istiodValuesControlPlane reads a values file of the istiod chart. Istio
// charts accept component settings both at the top level and under pilot
// (the form istioctl passes); pilot.* wins, as the chart's
// zzy_descope_legacy.yaml merge does. Replicas and the PDB are judged on what
// the chart renders (controlplane_chart.go).
func istiodValuesControlPlane(doc map[string]any) *controlPlane {
	root := cpNode{val: doc, set: true}
	pilot := root.get("pilot")
	alias := func(keys ...string) cpNode {
		if istiodPilotForm(root) {
			return cpFirstSet(pilot.get(keys...), root.get(keys...))
		}
		return cpFirstSet(root.get(keys...), pilot.get(keys...))
	}
	mesh := root.get("meshConfig")
	return &controlPlane{
		Istiod: &cpComponent{
			Replicas:   alias("replicaCount"),
			Autoscale:  alias("autoscaleEnabled"),
			HPAMin:     alias("autoscaleMin"),
			Resources:  alias("resources"),
			PDB:        alias("pdb"),
			DefaultPDB: root.get("global", "defaultPodDisruptionBudget", "enabled"),
			Affinity:   alias("affinity"),
			Spread:     alias("topologySpreadConstraints"),
			Defaults:   cpIstiodDefaults(),
			Chart:      istiodChartRender(root),
		},
		Mesh:   &mesh,
		Values: &root,
	}
}

// gatewayValuesComponent reads a values file of the gateway chart.
func gatewayValuesComponent(root cpNode) *cpComponent {
	return &cpComponent{
		Replicas:  root.get("replicaCount"),
		Autoscale: root.get("autoscaling", "enabled"),
		HPAMin:    root.get("autoscaling", "minReplicas"),
		Resources: root.get("resources"),
		PDB:       root.get("podDisruptionBudget"),
		Affinity:  root.get("affinity"),
		Spread:    root.get("topologySpreadConstraints"),
		Defaults:  cpHelmGatewayDefaults(),
		Chart:     gatewayChartRender(root),
	}
}

// deploymentControlPlane reads a rendered istiod or ingress gateway Deployment.
func deploymentControlPlane(d *appsv1.Deployment) (*controlPlane, bool) {
	istiod := cpIsIstiodDeployment(d)
	if !istiod && !cpIsGatewayDeployment(d) {
		return nil, false
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		return nil, false
	}
	root := cpNode{val: u, set: true}
	pod := root.get("spec", "template", "spec")
	container := "istio-proxy"
	if istiod {
		container = "discovery"
	}
	c := &cpComponent{
		Replicas:  root.get("spec", "replicas"),
		Resources: cpContainer(pod, container).get("resources"),
		Affinity:  pod.get("affinity"),
		Spread:    pod.get("topologySpreadConstraints"),
		Defaults:  cpDefaults{Rendered: true},
	}
	if istiod {
		return &controlPlane{Istiod: c}, true
	}
	return &controlPlane{Gateways: []*cpComponent{c}}, true
}

// cpContainer returns the container called name, or the first container.
func cpContainer(pod cpNode, name string) cpNode {
	cs := pod.get("containers")
	for i, c := range cs.list() {
		if m, _ := c.(map[string]any); m["name"] == name {
			return cs.at(i)
		}
	}
	return cs.at(0)
}

// cpIsIstiodDeployment matches the istiod chart's Deployment: named istiod or
// istiod-<revision>, labelled app=istiod.
func cpIsIstiodDeployment(d *appsv1.Deployment) bool {
	named := d.Name == "istiod" || strings.HasPrefix(d.Name, "istiod-")
	return named && (d.Labels["app"] == "istiod" || d.Spec.Template.Labels["app"] == "istiod")
}

// cpIsGatewayDeployment matches ingress gateway Deployments by the labels
// istioctl sets (istio: ingressgateway, app: istio-ingressgateway) and the
// gateway chart sets when installed as istio-ingress, as Istio's docs do
// (istio: ingress, app: istio-ingress), and, whatever the release is called,
// by the pod annotation the gateway chart always sets to get the injector's
// gateway template (inject.istio.io/templates: gateway): the chart's labels
// follow the release name. Gateways labelled as egress gateways (an istio or
// app label containing "egress") are not ingress gateways.
func cpIsGatewayDeployment(d *appsv1.Deployment) bool {
	for _, l := range []map[string]string{d.Labels, d.Spec.Template.Labels} {
		switch {
		case l["istio"] == "ingressgateway", l["istio"] == "ingress",
			l["app"] == "istio-ingressgateway", l["app"] == "istio-ingress":
			return true
		case strings.Contains(l["istio"], "egress"), strings.Contains(l["app"], "egress"):
			return false
		}
	}
	for _, t := range strings.Split(d.Spec.Template.Annotations[annotation.InjectTemplates.Name], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return true
		}
	}
	return false
}

// cpMeshSource is the mesh configuration of an object with the values tree
// that can also carry proxy defaults, or the reason it cannot be read.
type cpMeshSource struct {
	Mesh   cpNode
	Values *cpNode
	// PilotEnv is istiod's container env of an IstioOperator
	// (spec.components.pilot.k8s.env, a list of name/value); unset otherwise.
	PilotEnv cpNode
	Err      error
	// Discarded is why istiod would reject this mesh config as a whole
	// (a value of the wrong type, an unknown enum name); Mesh then holds the
	// built-in defaults istiod runs with instead.
	Discarded error
}

// meshConfigOf returns the mesh configuration an object carries: spec.meshConfig
// of an IstioOperator, meshConfig of istiod values, or the `mesh` key of the
// ConfigMap istio or istio-<revision> in rootNS. ok=false for anything else.
func meshConfigOf(obj *Object, rootNS string) (src cpMeshSource, ok bool) {
	src, ok = meshSourceOf(obj, rootNS)
	if ok && src.Err == nil {
		src = discardInvalidMesh(src)
	}
	return src, ok
}

// discardInvalidMesh applies istiod's reading of a mesh config: it decodes
// the whole document into MeshConfig (pkg/config/mesh ApplyMeshConfig, via
// protomarshal.ApplyJSON: unknown fields are ignored, any other error rejects
// the config and istiod keeps the built-in defaults, or at runtime its last
// good state). A rejected config is judged as the defaults.
func discardInvalidMesh(src cpMeshSource) cpMeshSource {
	if src.Mesh.val == nil {
		return src
	}
	js, err := json.Marshal(src.Mesh.val)
	if err == nil {
		err = (&meshapi.MeshConfig{}).UnmarshalJSON(js)
	}
	if err != nil {
		src.Discarded = err
		src.Mesh.val = map[string]any{}
	}
	return src
}

// meshSourceOf finds the mesh config an object carries, as written.
func meshSourceOf(obj *Object, rootNS string) (src cpMeshSource, ok bool) {
	if cm, isCM := obj.Body.(*corev1.ConfigMap); isCM {
		if cm == nil || cpNamespace(obj, cm.Namespace) != rootNS {
			return src, false
		}
		return meshFromConfigMap(cm)
	}
	cp, ok := controlPlaneOf(obj)
	if !ok || cp.Mesh == nil {
		return src, false
	}
	src = cpMeshSource{Mesh: *cp.Mesh, Values: cp.Values}
	if doc, isMap := obj.Body.(map[string]any); isMap && KindOf(obj.GroupKind) == KindIstioOperator {
		src.PilotEnv = cpNode{val: doc, set: true}.get("spec", "components", "pilot", "k8s", "env")
	}
	return src, true
}

// envVar returns the value node of the env entry called name in a list of
// name/value maps (a container's env), or an unset node.
func (n cpNode) envVar(name string) cpNode {
	for i := range n.list() {
		e := n.at(i)
		if s, _ := e.get("name").str(); s == name {
			return e.get("value")
		}
	}
	return cpNode{}
}

// meshFromConfigMap parses the mesh key of Istio's mesh ConfigMap (istio or
// istio-<revision>; other istio-* ConfigMaps have no mesh key).
func meshFromConfigMap(cm *corev1.ConfigMap) (cpMeshSource, bool) {
	if cm.Name != "istio" && !strings.HasPrefix(cm.Name, "istio-") {
		return cpMeshSource{}, false
	}
	text, ok := cm.Data["mesh"]
	if !ok && cm.Name != "istio" {
		return cpMeshSource{}, false
	}
	// istiod reads a missing `mesh` key of its ConfigMap as an empty mesh
	// config, i.e. the defaults, exactly as `mesh: ""`; other istio-* names
	// (istio-ca-root-cert, istio-sidecar-injector) never carry one, so only
	// the unrevisioned `istio` ConfigMap is judged without it.
	path := field.NewPath("data").Key("mesh")
	var m map[string]any
	if err := cpParseYAML(text, &m); err != nil {
		return cpMeshSource{Mesh: cpNode{path: path}, Err: err}, true
	}
	return cpMeshSource{Mesh: cpNode{val: m, path: path, set: true}}, true
}

// cpNamespace returns the namespace the decoder defaulted, else the body's.
func cpNamespace(obj *Object, body string) string {
	if obj.Meta != nil && obj.Meta.Namespace != "" {
		return obj.Meta.Namespace
	}
	return body
}

// cpParseYAML decodes YAML text into v via JSON (numbers become float64).
func cpParseYAML(text string, v any) error {
	j, err := yaml.ToJSON([]byte(text))
	if err != nil {
		return fmt.Errorf("parse mesh config: %w", err)
	}
	if err := json.Unmarshal(j, v); err != nil {
		return fmt.Errorf("parse mesh config: %w", err)
	}
	return nil
}
