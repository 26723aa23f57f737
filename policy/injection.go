package policy

import (
	"strconv"
	"strings"

	"istio.io/api/annotation"
	"istio.io/api/label"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace labels and values that decide sidecar injection, shared by the
// rules (IGR701, IGR702) and the mutation scope.
const (
	// LabelLegacyInjection is the legacy namespace injection label; istio.io/api
	// has no constant for it. When present it decides alone and beats istio.io/rev.
	LabelLegacyInjection = "istio-injection"
	// dataplaneModeAmbient is the istio.io/dataplane-mode value of ambient namespaces.
	dataplaneModeAmbient = "ambient"
)

// podInjection is a pod's own sidecar.istio.io/inject setting, read as
// Istio's injector (injectRequired in pkg/kube/inject) reads it.
type podInjection struct {
	// Set is false when the pod leaves the decision to the namespace and mesh
	// defaults: neither label nor annotation, or an empty value.
	Set bool
	// Inject is the pod's decision when Set.
	Inject bool
	// Where is "labels" or "annotations": the metadata map the value is in.
	Where string
	// Value is the value as written.
	Value string
}

// Source renders where the setting comes from, e.g.
// `label sidecar.istio.io/inject=disabled`; a value with surrounding spaces
// is quoted so they show.
func (p podInjection) Source() string {
	kind := "annotation "
	if p.Where == "labels" {
		kind = "label "
	}
	v := p.Value
	if strings.TrimSpace(v) != v {
		v = strconv.Quote(v)
	}
	return kind + label.SidecarInject.Name + "=" + v
}

// podInjectionOf reads the pod's injection setting exactly as Istio's
// injector does (injectRequired in pkg/kube/inject/inject.go) in release v:
// the label sidecar.istio.io/inject, when present (even empty), replaces the
// annotation. From 1.27 only the exact strings "true" and "false" decide;
// any other value ("False", "yes", "disabled", "true ") is logged by istiod
// as invalid and falls back to the default policy, so it decides nothing:
// Set stays false, and Value keeps what was written. Up to 1.26 "y", "yes",
// "true" and "on" in any case inject and every other non-empty value
// ("False", "disabled", "true ") disables injection.
func podInjectionOf(m *metav1.ObjectMeta, v IstioVersion) podInjection {
	p := podInjection{Where: "annotations"}
	p.Value = m.Annotations[annotation.SidecarInject.Name]
	if v, ok := m.Labels[label.SidecarInject.Name]; ok {
		p.Where, p.Value = "labels", v
	}
	if !v.strictInjectValues() {
		switch strings.ToLower(p.Value) {
		case "":
		case "y", "yes", "true", "on":
			p.Set, p.Inject = true, true
		default:
			p.Set = true
		}
		return p
	}
	switch p.Value {
	case "true":
		p.Set, p.Inject = true, true
	case "false":
		p.Set = true
	}
	return p
}

// namespaceInjection tells whether Istio's injection webhooks select a
// namespace with these labels: the legacy istio-injection label, when present,
// decides alone (only "enabled" injects); otherwise a non-empty istio.io/rev
// label selects the revision's injector. decided=false when neither label is
// set, so that pod labels or mesh defaults decide.
func namespaceInjection(labels map[string]string) (injected, decided bool) {
	if v, ok := labels[LabelLegacyInjection]; ok {
		return v == "enabled", true
	}
	if labels[label.IoIstioRev.Name] != "" {
		return true, true
	}
	return false, false
}

// namespaceInjected reports whether pods of a namespace with these labels get
// a sidecar by the namespace's labels alone: selected for injection and not
// ambient (ambient namespaces have no sidecars).
func namespaceInjected(labels map[string]string) bool {
	if labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return false
	}
	injected, _ := namespaceInjection(labels)
	return injected
}
