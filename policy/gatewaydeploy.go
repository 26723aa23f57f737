package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"

	"istio.io/api/label"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// istiod deploys every managed Gateway API Gateway of its classes itself
// (pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go, 1.31 line):
// it renders the class's template (kube-gateway for `istio`, waypoint for
// `istio-waypoint` and `istio-east-west`) into a Deployment, a Service, a
// ServiceAccount and, only when an overlay asks for them, an HPA and a PDB,
// then strategic-merge-patches each object with the overlays of two
// ConfigMaps in turn: the oldest ConfigMap of istiod's namespace labelled
// gateway.istio.io/defaults-for-class=<class>, then the one the Gateway
// names in spec.infrastructure.parametersRef (its own namespace). The
// overlay keys are deployment, service, serviceAccount,
// horizontalPodAutoscaler and podDisruptionBudget; any other key fails the
// render. This file digests those objects for the index and renders the
// Deployment, HPA and PDB as istiod would, to judge them (IGR811).

// Keys and labels of istiod's gateway deployment controller.
const (
	gwClassDefaultsLabel = "gateway.istio.io/defaults-for-class"
	gwNameLabel          = "gateway.networking.k8s.io/gateway-name"
	gwOverlayDeployment  = "deployment"
	gwOverlayHPA         = "horizontalPodAutoscaler"
	gwOverlayPDB         = "podDisruptionBudget"
)

// gwOverlayKeys are the overlay keys istiod accepts (supportedOverlays).
var gwOverlayKeys = []string{gwOverlayDeployment, "service", "serviceAccount", gwOverlayHPA, gwOverlayPDB}

// gwFacts is a managed Gateway of a judged class.
type gwFacts struct {
	subject
	class string
	// params is the parametersRef ConfigMap's name ("" without one);
	// paramsKind is set when parametersRef names another kind, which
	// istiod refuses to render.
	params, paramsKind string
	// rev is the Gateway's istio.io/rev label, revSet whether it has one:
	// they choose the istiod (and its values) that deploys it.
	rev    string
	revSet bool
}

// overlayFacts is a ConfigMap a Gateway may take overlays from: the values
// of its overlay keys only, the first other key (which fails istiod's
// render), and what makes it a class default.
type overlayFacts struct {
	ref     ObjectRef
	created metav1.Time
	// classDefaults is its gateway.istio.io/defaults-for-class label.
	classDefaults string
	data          map[string]string
	badKey        string
}

// addGatewayDeployment digests a Gateway of one of classes that istiod
// deploys (no spec.addresses other than a single IP: istiod leaves
// Gateways with other addresses to a deployment of the user's).
func (c *ClusterIndex) addGatewayDeployment(obj *Object) {
	gw, ok := obj.Body.(*gatewayv1.Gateway)
	if !ok || gw == nil || !gatewayManaged(gw.Spec.Addresses) {
		return
	}
	f := &gwFacts{subject: c.subjectOf(obj), class: strings.Clone(string(gw.Spec.GatewayClassName))}
	if rev, ok := gw.Labels[label.IoIstioRev.Name]; ok {
		f.rev, f.revSet = strings.Clone(rev), true
	}
	if inf := gw.Spec.Infrastructure; inf != nil && inf.ParametersRef != nil {
		pr := inf.ParametersRef
		if pr.Group == "" && pr.Kind == "ConfigMap" {
			f.params = strings.Clone(pr.Name)
		} else {
			f.paramsKind = strings.Clone(string(pr.Group) + "/" + string(pr.Kind))
		}
	}
	c.gateways = append(c.gateways, f)
}

// gatewayManaged is istiod's IsManaged: no address, or one IP address.
func gatewayManaged(addrs []gatewayv1.GatewaySpecAddress) bool {
	switch len(addrs) {
	case 0:
		return true
	case 1:
		return addrs[0].Type == nil || *addrs[0].Type == gatewayv1.IPAddressType
	}
	return false
}

// addOverlayConfigMap digests a ConfigMap a Gateway's parametersRef may
// name, or a class defaults ConfigMap: every ConfigMap, as a reference and
// its overlay keys (usually none), since the Gateway may come later.
func (c *ClusterIndex) addOverlayConfigMap(obj *Object) {
	cm, ok := obj.Body.(*corev1.ConfigMap)
	if !ok || cm == nil {
		return
	}
	f := &overlayFacts{ref: c.subjectOf(obj).ref, created: cm.CreationTimestamp,
		classDefaults: strings.Clone(cm.Labels[gwClassDefaultsLabel])}
	for _, k := range sortedKeys(cm.Data) {
		switch {
		case slices.Contains(gwOverlayKeys, k):
			if f.data == nil {
				f.data = map[string]string{}
			}
			f.data[strings.Clone(k)] = strings.Clone(cm.Data[k])
		case f.badKey == "":
			f.badKey = strings.Clone(k)
		}
	}
	c.overlays[f.ref.Namespace+"/"+f.ref.Name] = f
	c.addInjectorValues(cm)
}

// classDefaults returns the ConfigMap istiod takes the defaults of class
// from: the oldest so labelled in its namespace ns (then by name).
func (c *ClusterIndex) classDefaults(class, ns string) *overlayFacts {
	var all []*overlayFacts
	for _, o := range c.overlays {
		if o.classDefaults == class && o.ref.Namespace == ns {
			all = append(all, o)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].created.Equal(&all[j].created) {
			return all[i].created.Before(&all[j].created)
		}
		return all[i].ref.Name < all[j].ref.Name
	})
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

// gwRender is what istiod renders for a Gateway, as far as IGR811 judges:
// the Deployment, and the HPA and PDB when an overlay asks for them. from
// names, per overlay key, the last ConfigMap that set it.
type gwRender struct {
	deployment *appsv1.Deployment
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	pdb        *policyv1.PodDisruptionBudget
	from       map[string]ObjectRef
}

// renderGateway renders gw's Deployment, HPA and PDB from the template's
// shape, istiod's values and the overlays in istiod's order. The template
// leaves replicas unset, and its HPA and PDB only a target (maxReplicas 1)
// and a selector. With values (see gatewayvalues.go) the pod takes the
// affinity, spread and proxy resources they set for gw's template; without
// (nil: not in the index) the chart defaults: no affinity or spread, and
// proxy resources global.waypoint.resources or global.proxy.resources, both
// requests 100m/128Mi and limits 2/1Gi.
func renderGateway(gw *gwFacts, values *gwTemplateValues, overlays []*overlayFacts) (*gwRender, error) {
	name := gw.ref.Name
	sel := map[string]string{gwNameLabel: name}
	proxy := corev1.Container{Name: "istio-proxy", Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
	}}
	var pod corev1.PodSpec
	if values != nil {
		res := values.proxyResources
		if gwTemplate(gw.class) == "waypoint" {
			res = values.waypointResources
			pod.Affinity, pod.TopologySpreadConstraints = values.waypointAffinity, values.waypointSpread
		}
		proxy.Resources = corev1.ResourceRequirements{}
		if res != nil {
			proxy.Resources = *res
		}
	}
	pod.Containers = []corev1.Container{proxy}
	r := &gwRender{from: map[string]ObjectRef{},
		deployment: &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.ref.Namespace},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: sel},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{gwNameLabel: name}},
					Spec:       pod,
				},
			},
		},
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.ref.Namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: 1,
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name}},
	}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.ref.Namespace},
		Spec: policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: sel}}}
	for _, o := range overlays {
		if o.badKey != "" {
			return nil, fmt.Errorf("ConfigMap %s/%s key %q is no overlay istiod supports", o.ref.Namespace, o.ref.Name, o.badKey)
		}
		for key, obj := range map[string]any{gwOverlayDeployment: r.deployment, gwOverlayHPA: hpa, gwOverlayPDB: pdb} {
			patch, ok := o.data[key]
			if !ok {
				continue
			}
			if err := strategicMerge(obj, patch); err != nil {
				return nil, fmt.Errorf("ConfigMap %s/%s %s: %w", o.ref.Namespace, o.ref.Name, key, err)
			}
			r.from[key] = o.ref
		}
	}
	if _, ok := r.from[gwOverlayHPA]; ok {
		r.hpa = hpa
	}
	if _, ok := r.from[gwOverlayPDB]; ok {
		r.pdb = pdb
	}
	return r, nil
}

// strategicMerge patches obj (a pointer to a typed object) with the YAML
// overlay, as istiod's strategicMergePatchYAML does.
func strategicMerge(obj any, overlay string) error {
	meta, err := strategicpatch.NewPatchMetaFromStruct(obj)
	if err != nil {
		return err
	}
	orig, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	var original, patch map[string]any
	if err := json.Unmarshal(orig, &original); err != nil {
		return err
	}
	pj, err := kyaml.ToJSON([]byte(overlay))
	if err != nil {
		return err
	}
	if string(pj) != "null" {
		if err := json.Unmarshal(pj, &patch); err != nil {
			return err
		}
	}
	merged, err := strategicpatch.StrategicMergeMapPatchUsingLookupPatchMeta(original, patch, meta)
	if err != nil {
		return err
	}
	out, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	// Start from the zero value: a field the patch deleted must not survive.
	v := reflect.ValueOf(obj).Elem()
	v.Set(reflect.Zero(v.Type()))
	return json.Unmarshal(out, obj)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
