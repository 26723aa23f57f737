package policy

import (
	"encoding/json"
	"strings"

	"istio.io/api/label"
	corev1 "k8s.io/api/core/v1"
)

// istiod renders a managed Gateway's template with its injection values
// (pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go render:
// `.Values` is inject.WebhookConfig.Values.Map()), which it reads from the
// `values` key of the ConfigMap istio-sidecar-injector, or
// istio-sidecar-injector-<revision> for a revisioned istiod, in its own
// namespace (pilot/pkg/bootstrap/sidecarinjector.go getInjectorConfigMapName,
// pkg/kube/inject/watcher.go readConfigMap, webhook.go NewValuesConfig: YAML
// or JSON). The waypoint template (classes istio-waypoint and
// istio-east-west) puts global.waypoint.affinity, .topologySpreadConstraints
// and .resources into the Deployment when they are set (Helm truthiness; the
// resources through omitNil); the kube-gateway template (class istio) takes
// only global.proxy.resources. The class and parametersRef overlays are
// applied after. A Gateway belongs to the istiod whose revision or tag its
// istio.io/rev label names, else its namespace's, else the default tag, else
// the default revision (pkg/revisions/tag_watcher.go IsMine).

const injectorConfigMap = "istio-sidecar-injector"

// gwTemplateValues are the values the gateway templates put into the pod.
type gwTemplateValues struct {
	waypointAffinity  *corev1.Affinity
	waypointSpread    []corev1.TopologySpreadConstraint
	waypointResources *corev1.ResourceRequirements
	proxyResources    *corev1.ResourceRequirements
}

// gwTemplate is the template istiod renders a Gateway of class with.
func gwTemplate(class string) string {
	if class == "istio-waypoint" || class == "istio-east-west" {
		return "waypoint"
	}
	return "kube-gateway"
}

// addInjectorValues keeps the values key of an
// istio-sidecar-injector[-<revision>] ConfigMap, keyed by its namespace and
// revision ("default" for the unrevisioned one). They are parsed only when a
// rule reads them (gatewayValues), for istiod's namespace only: any
// namespace may hold a ConfigMap of that name. A ConfigMap without a values
// key leaves the revision's values unknown: istiod has no injection
// configuration then.
func (c *ClusterIndex) addInjectorValues(cm *corev1.ConfigMap) {
	rev := "default"
	switch {
	case cm.Name == injectorConfigMap:
	case strings.HasPrefix(cm.Name, injectorConfigMap+"-"):
		rev = strings.TrimPrefix(cm.Name, injectorConfigMap+"-")
	default:
		return
	}
	text, ok := cm.Data["values"]
	if !ok {
		return
	}
	c.injectorValues[injectorKey{strings.Clone(cm.Namespace), strings.Clone(rev)}] = strings.Clone(text)
}

// parseInjectorValues digests the gateway templates' part of istiod's
// injection values; nil when istiod cannot parse them or their parts do not
// decode (the revision's values are unknown then).
func parseInjectorValues(text string) *gwTemplateValues {
	var m map[string]any
	if err := cpParseYAML(text, &m); err != nil {
		return nil
	}
	root := cpNode{val: m, set: true}
	v := &gwTemplateValues{}
	wp := root.get("global", "waypoint")
	if !decodeTruthy(wp.get("affinity").val, &v.waypointAffinity) ||
		!decodeTruthy(wp.get("topologySpreadConstraints").val, &v.waypointSpread) ||
		!decodeTruthy(omitNilValues(wp.get("resources").val), &v.waypointResources) ||
		!decodeTruthy(omitNilValues(root.get("global", "proxy", "resources").val), &v.proxyResources) {
		return nil
	}
	return v
}

// decodeTruthy decodes x into out when the template would render it
// (`{{- if x }}`); false when x does not decode into out's type.
func decodeTruthy[T any](x any, out *T) bool {
	if !helmTruthy(x) {
		return true
	}
	b, err := json.Marshal(x)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, out) == nil
}

// omitNilValues is the template's omitNil: nil map values and list items
// removed, recursively, and maps and lists left empty by that removed too.
func omitNilValues(x any) any {
	switch v := x.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if f := omitNilValues(e); f != nil {
				out[k] = f
			}
		}
		if len(out) == 0 && len(v) > 0 {
			return nil
		}
		return out
	case []any:
		out := []any{}
		for _, e := range v {
			if f := omitNilValues(e); f != nil {
				out = append(out, f)
			}
		}
		if len(out) == 0 && len(v) > 0 {
			return nil
		}
		return out
	}
	return x
}

// injectorKey names an istiod's injector values: its namespace and revision.
type injectorKey struct{ namespace, revision string }

// gatewayValues returns the values of the istiod in namespace ns that
// deploys gw, nil when its injector ConfigMap is not in the index.
func (c *ClusterIndex) gatewayValues(gw *gwFacts, ns string) *gwTemplateValues {
	tag, set := gw.rev, gw.revSet
	if !set {
		if ns := c.namespaces[gw.ref.Namespace]; ns != nil {
			tag = ns.labels[label.IoIstioRev.Name]
		}
	}
	if tag == "" {
		tag = "default"
	}
	key := injectorKey{ns, c.resolveRevision(tag)}
	text, ok := c.injectorValues[key]
	if !ok {
		return nil
	}
	c.parsedMu.Lock()
	defer c.parsedMu.Unlock()
	v, done := c.parsedValues[key]
	if !done {
		v = parseInjectorValues(text)
		c.parsedValues[key] = v
	}
	return v
}
