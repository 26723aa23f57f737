package policy

import (
	"strings"

	"istio.io/api/annotation"
	"istio.io/api/label"
)

// workloadRules returns the rules of this group, in ID order: injection and
// mesh-bypass settings of namespaces and pods (IGR701-IGR703), EnvoyFilters,
// VirtualService resilience and cert-manager Certificates (IGR704-IGR706).
func workloadRules() []*Rule {
	return []*Rule{ruleIGR701(), ruleIGR702(), ruleIGR703(), ruleIGR704(), ruleIGR705(), ruleIGR706()}
}

// wlLabelIstioInjection is the legacy namespace injection label; istio.io/api
// has no constant for it.
const wlLabelIstioInjection = "istio-injection"

// wlNamespaceInjected reports whether pods of a namespace with these labels get
// a sidecar: istio-injection=enabled, or an istio.io/rev label when
// istio-injection is absent (the legacy label wins), and not ambient.
func wlNamespaceInjected(labels map[string]string) bool {
	if labels[label.IoIstioDataplaneMode.Name] == "ambient" {
		return false
	}
	if v, ok := labels[wlLabelIstioInjection]; ok {
		return v == "enabled"
	}
	return labels[label.IoIstioRev.Name] != ""
}

// wlPodOptOut returns where a pod disables injection: the label
// sidecar.istio.io/inject wins over the annotation, and any value the
// injector does not read as true (y, yes, true, on) disables it.
func wlPodOptOut(pt PodTemplate) (where string, value string, ok bool) {
	if v, has := pt.Meta.Labels[label.SidecarInject.Name]; has {
		return "labels", v, !wlInjectTrue(v)
	}
	if v, has := pt.Meta.Annotations[annotation.SidecarInject.Name]; has && v != "" {
		return "annotations", v, !wlInjectTrue(v)
	}
	return "", "", false
}

// wlInjectTrue mirrors the values Istio's injector accepts as "inject".
func wlInjectTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "y", "yes", "true", "on":
		return true
	}
	return false
}
