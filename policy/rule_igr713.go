package policy

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR713 judges ephemeral containers of mesh pods: they share the pod's
// network namespace, and so its traffic capture.
func ruleIGR713() *Rule {
	return &Rule{
		ID:    "IGR713",
		Title: "Ephemeral container bypasses the mesh",
		Description: "An ephemeral container (`kubectl debug`, the `pods/ephemeralcontainers` subresource) joins the " +
			"network namespace of a running pod. In a mesh namespace (injected or ambient) one that runs as " +
			"istio-proxy's UID or GID 1337 (its own securityContext over the pod's, as IGR703 judges containers) skips " +
			"the outbound capture, and one that is `privileged` or adds `NET_ADMIN` can rewrite the pod's iptables " +
			"redirection to the sidecar or ztunnel: either way its traffic leaves unauthenticated and unaudited. " +
			"Debug with the default security context, or from outside the pod. Namespace labels come from the cluster " +
			"(webhook) or the input files (check); when the namespace is unknown the rule stays silent.",
		Remediation: "drop runAsUser/runAsGroup 1337, privileged and NET_ADMIN from the ephemeral container",
		Istio: "istio-iptables (tools/istio-iptables, 1.31 line) returns traffic of UID/GID 1337 before redirecting and installs " +
			"the redirection in the pod's network namespace (sidecar mode), as istio-cni does for ambient; ephemeral containers share it.",
		Targets:       []Kind{KindPod},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(ctx *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok || len(pt.Spec.EphemeralContainers) == 0 {
				return nil
			}
			labels, known := ctx.namespaceLabels(pt.Namespace(obj))
			if !known || (!namespaceInjected(labels) && !namespaceAmbient(labels)) {
				return nil
			}
			var out []Violation
			for i, c := range pt.Spec.EphemeralContainers {
				out = append(out, ephemeralContainerBypass(pt, c, pt.SpecPath.Child("ephemeralContainers").Index(i).Child("securityContext"))...)
			}
			return out
		},
	}
}

// ephemeralContainerBypass applies IGR713 to one ephemeral container whose
// securityContext is at sc.
func ephemeralContainerBypass(pt PodTemplate, c corev1.EphemeralContainer, sc *field.Path) []Violation {
	var out []Violation
	uid, uidAt := effectiveID(c.SecurityContext, pt.Spec.SecurityContext, sc, pt.SpecPath, "runAsUser")
	gid, gidAt := effectiveID(c.SecurityContext, pt.Spec.SecurityContext, sc, pt.SpecPath, "runAsGroup")
	switch {
	case uid != nil && *uid == istioProxyID:
		out = append(out, Invalid(uidAt, *uid, "is istio-proxy's UID, so outbound traffic skips the mesh"))
	case gid != nil && *gid == istioProxyID:
		out = append(out, Invalid(gidAt, *gid, "is istio-proxy's GID, so outbound traffic skips the mesh"))
	}
	s := c.SecurityContext
	if s == nil {
		return out
	}
	if s.Privileged != nil && *s.Privileged {
		out = append(out, Invalid(sc.Child("privileged"), true, "can rewrite the pod's traffic redirection"))
	}
	if s.Capabilities != nil {
		for i, cp := range s.Capabilities.Add {
			if cp == "NET_ADMIN" || cp == "CAP_NET_ADMIN" || cp == "ALL" {
				out = append(out, Invalid(sc.Child("capabilities", "add").Index(i), string(cp),
					"can rewrite the pod's traffic redirection"))
			}
		}
	}
	return out
}
