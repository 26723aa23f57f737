package policy

import (
	"fmt"
	"path"
	"slices"

	"istio.io/api/label"
	corev1 "k8s.io/api/core/v1"
)

// annotationMirrorPod marks static pods mirrored by the kubelet.
const annotationMirrorPod = "kubernetes.io/config.mirror"

// skipReason returns why obj is not mutated at all, or "" when the mutators
// must consider it. The checks run from the cheapest and most general (kind,
// operation, namespace) to the pod-specific ones.
func (p *mutationPlan) skipReason(ctx *Context, obj *Object) string {
	kind := KindOf(obj.GroupKind)
	if r := p.kindSkip(kind); r != "" {
		return r
	}
	if obj.Meta != nil && obj.Meta.DeletionTimestamp != nil && ctx.Operation != "CREATE" {
		// An object being deleted only sheds finalizers: mutating its pod
		// spec is pointless and, for a Pod, forbidden by the API server.
		// Not on CREATE: a client can send a deletionTimestamp on a create
		// through apply, which the API server wipes only after mutating
		// admission, so honouring it would let anyone opt out of mutation.
		return "being deleted (metadata.deletionTimestamp is set)"
	}
	if ctx.Operation != "" && ctx.Operation != "CREATE" && (kind == KindPod || kind == KindNamespace) {
		return fmt.Sprintf("operation %s: %ss are mutated on CREATE only", ctx.Operation, obj.GroupKind.Kind)
	}
	if r := p.namespaceSkip(namespaceOf(obj)); r != "" {
		return r
	}
	if kind == KindNamespace {
		return namespaceObjectSkip(obj)
	}
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return fmt.Sprintf("kind %s has no pod template", obj.GroupKind.Kind)
	}
	return p.podSkip(ctx, obj, pt)
}

// kindSkip tells whether the settings target kind at all.
func (p *mutationPlan) kindSkip(kind Kind) string {
	switch {
	case kind == KindPod:
		return ""
	case slices.Contains(WorkloadKinds(), kind):
		if !p.settings.Workloads {
			return fmt.Sprintf("kind %s not targeted (workload mutation is off)", kind.GroupKind().Kind)
		}
		return ""
	case kind == KindNamespace:
		if !p.settings.Namespaces {
			return "kind Namespace not targeted (namespace mutation is off)"
		}
		return ""
	}
	return fmt.Sprintf("kind %s not targeted", kind.GroupKind().Kind)
}

// namespaceSkip tells whether ns is one of the namespaces never mutated.
func (p *mutationPlan) namespaceSkip(ns string) string {
	if slices.Contains(systemNamespaces(), ns) {
		return "namespace " + ns + " is never mutated"
	}
	if ns != "" && ns == p.settings.OwnNamespace {
		return "namespace " + ns + " is the guardrail's own namespace"
	}
	for _, g := range p.settings.SkipNamespaces {
		if ok, _ := path.Match(g, ns); ok {
			return fmt.Sprintf("namespace %s matches skip pattern %q", ns, g)
		}
	}
	return ""
}

// namespaceObjectSkip tells why a Namespace gets no revision label.
func namespaceObjectSkip(obj *Object) string {
	ns, ok := obj.Body.(*corev1.Namespace)
	if !ok || ns == nil {
		return "namespace body is not a *corev1.Namespace"
	}
	if v, ok := ns.Labels[LabelLegacyInjection]; ok {
		return fmt.Sprintf("namespace uses the legacy %s=%s label", LabelLegacyInjection, v)
	}
	if ns.Labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return "ambient namespace (" + label.IoIstioDataplaneMode.Name + "=ambient)"
	}
	return ""
}

// podSkip applies the pod-level skips: mirror and hostNetwork pods, opt-outs,
// ambient namespaces and namespaces outside the mesh.
func (p *mutationPlan) podSkip(ctx *Context, obj *Object, pt PodTemplate) string {
	if _, ok := pt.Meta.Annotations[annotationMirrorPod]; ok {
		return "mirror pod (static pod managed by the kubelet)"
	}
	if pt.Spec.HostNetwork {
		return "hostNetwork pod (Istio does not inject it)"
	}
	if inj := podInjectionOf(pt.Meta, ctx.istioVersion()); inj.Set && !inj.Inject {
		return "injection disabled by " + inj.Source()
	}
	ns := pt.Namespace(obj)
	nsLabels, known := ctx.namespaceLabels(ns)
	if nsLabels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return "ambient namespace " + ns + " (" + label.IoIstioDataplaneMode.Name + "=ambient): no sidecars"
	}
	if pt.Meta.Labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return "ambient pod (" + label.IoIstioDataplaneMode.Name + "=ambient): no sidecar"
	}
	if !p.inMesh(ns, nsLabels, pt) {
		if !known {
			return "namespace " + ns + " is unknown and the pod does not request injection"
		}
		return "namespace " + ns + " is not in the mesh (no istio-injection=enabled or istio.io/rev label)"
	}
	return ""
}

// inMesh tells whether Istio's injector will (or did) give the pod a sidecar,
// following the selectors of Istio's injection webhooks: the legacy namespace
// label decides alone when present; otherwise a namespace revision label, a
// pod revision label or a pod inject=true label; or IGR904 maps the namespace
// to a revision.
func (p *mutationPlan) inMesh(ns string, nsLabels map[string]string, pt PodTemplate) bool {
	if _, _, loc := InjectedSidecar(pt); loc != SidecarNone {
		return true
	}
	if injected, decided := namespaceInjection(nsLabels); decided {
		return injected
	}
	if pt.Meta.Labels[label.IoIstioRev.Name] != "" {
		return true
	}
	if pt.Meta.Labels[label.SidecarInject.Name] == "true" {
		return true
	}
	return p.revisions != nil && p.revisions.revisionFor(ns, nsLabels) != ""
}
