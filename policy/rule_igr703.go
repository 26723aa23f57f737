package policy

import (
	"strings"

	"istio.io/api/annotation"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ruleIGR703() *Rule {
	return &Rule{
		ID:    "IGR703",
		Title: "Pod bypasses the mesh through sidecar annotations or the proxy's identity",
		Description: "Annotations on a pod can keep its traffic away from its sidecar while it still looks meshed: " +
			"`traffic.sidecar.istio.io/excludeOutboundIPRanges` covering every address (`*`, `0.0.0.0/0`, `::/0`, " +
			"or ranges that add up to the whole space), `includeOutboundIPRanges` or `includeInboundPorts` set to " +
			"an empty string (no redirection at all), `excludeInboundPorts: \"*\"`, " +
			"`sidecar.istio.io/interceptionMode: NONE`, and `sidecar.istio.io/proxyImage`, which replaces the " +
			"reviewed proxy with an arbitrary image. An application container that runs as istio-proxy's UID or GID " +
			"(1337, from its own or the pod's securityContext) bypasses outbound capture too: istio-iptables lets " +
			"that owner's traffic out unredirected so Envoy's own connections do not loop. `interceptionMode: NONE` in " +
			"`proxy.istio.io/config` (without the interception annotation, which wins) captures nothing as well. Pods and workload pod templates are checked.",
		Remediation:   "remove the bypass annotation; exclude only the specific ranges or ports that must skip the proxy",
		Istio:         "injector: traffic annotations `traffic.sidecar.istio.io/*` and `sidecar.istio.io/interceptionMode` as istio-iptables reads them; an empty include list captures nothing; istio-iptables exempts UID and GID 1337 (the proxy) from outbound capture.",
		Targets:       append([]Kind{KindPod}, WorkloadKinds()...),
		DefaultAction: ActionDeny,
		CELGap:        celProxyConfig,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok {
				return nil
			}
			base := pt.MetaPath.Child("annotations")
			var out []Violation
			for _, name := range igr703Annotations() {
				v, has := pt.Meta.Annotations[name]
				if !has {
					continue
				}
				if msg := igr703Bypass(name, v); msg != "" {
					out = append(out, Invalid(base.Key(name), v, msg))
				}
			}
			out = append(out, igr703ProxyConfigCapture(pt, base)...)
			return append(out, igr703ProxyIdentity(pt)...)
		},
	}
}

// igr703Annotations lists the annotations checked, in a fixed order.
func igr703Annotations() []string {
	return []string{
		annotation.SidecarTrafficExcludeOutboundIPRanges.Name,
		annotation.SidecarTrafficIncludeOutboundIPRanges.Name,
		annotation.SidecarTrafficIncludeInboundPorts.Name,
		annotation.SidecarTrafficExcludeInboundPorts.Name,
		annotation.SidecarInterceptionMode.Name,
		annotation.SidecarProxyImage.Name,
	}
}

// igr703Bypass returns why an annotation value bypasses the mesh, or "".
func igr703Bypass(name, v string) string {
	v = strings.TrimSpace(v)
	switch name {
	case annotation.SidecarTrafficExcludeOutboundIPRanges.Name:
		if cidrsCoverAll(strings.Split(v, ",")) {
			return "excludes all outbound traffic from the mesh"
		}
	case annotation.SidecarTrafficIncludeOutboundIPRanges.Name:
		if v == "" {
			return "is empty, so no outbound traffic goes through the sidecar"
		}
	case annotation.SidecarTrafficIncludeInboundPorts.Name:
		if v == "" {
			return "is empty, so no inbound traffic goes through the sidecar"
		}
	case annotation.SidecarTrafficExcludeInboundPorts.Name:
		if igr703HasItem(v, "*") {
			return "excludes all inbound traffic from the mesh"
		}
	case annotation.SidecarInterceptionMode.Name:
		if strings.EqualFold(v, "NONE") {
			return "disables traffic interception"
		}
	case annotation.SidecarProxyImage.Name:
		return "overrides the reviewed proxy image"
	}
	return ""
}

// igr703HasItem reports whether a comma-separated list contains item.
func igr703HasItem(list, item string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == item {
			return true
		}
	}
	return false
}

// istioProxyID is the UID and GID of istio-proxy. istio-iptables returns
// outbound traffic of that owner before redirecting (`-m owner --uid-owner
// 1337` and `--gid-owner 1337`), so Envoy's own connections are not looped
// back; an application running with that UID or GID bypasses the sidecar.
const istioProxyID = 1337

// igr703ProxyIdentity reports application containers that run as the
// proxy's UID or GID (the container's securityContext over the pod's).
func igr703ProxyIdentity(pt PodTemplate) []Violation {
	var out []Violation
	seen := map[string]bool{}
	add := func(v Violation) {
		if !seen[v.Path.String()] { // a pod-level setting is reported once
			seen[v.Path.String()] = true
			out = append(out, v)
		}
	}
	for i, c := range pt.Spec.Containers {
		if c.Name == IstioProxyContainer {
			continue
		}
		cPath := pt.SpecPath.Child("containers").Index(i).Child("securityContext")
		uid, uidAt := effectiveID(c.SecurityContext, pt.Spec.SecurityContext, cPath, pt.SpecPath, "runAsUser")
		gid, gidAt := effectiveID(c.SecurityContext, pt.Spec.SecurityContext, cPath, pt.SpecPath, "runAsGroup")
		switch {
		case uid != nil && *uid == istioProxyID:
			add(Invalid(uidAt, *uid, "is istio-proxy's UID, so outbound traffic skips the sidecar"))
		case gid != nil && *gid == istioProxyID:
			add(Invalid(gidAt, *gid, "is istio-proxy's GID, so outbound traffic skips the sidecar"))
		}
	}
	return out
}

// igr703ProxyConfigCapture reports a proxy.istio.io/config annotation whose
// interceptionMode is NONE: the injector takes the mode from the
// sidecar.istio.io/interceptionMode annotation, else from the pod's merged
// ProxyConfig, so NONE there captures nothing either. An annotation that is
// not valid ProxyConfig is left to Istio's validation.
func igr703ProxyConfigCapture(pt PodTemplate, base *field.Path) []Violation {
	if _, explicit := pt.Meta.Annotations[annotation.SidecarInterceptionMode.Name]; explicit {
		return nil // the annotation wins and is checked above
	}
	text, ok := pt.Meta.Annotations[annotation.ProxyConfig.Name]
	if !ok {
		return nil
	}
	cfg, err := ParseProxyConfig(text)
	if err != nil {
		return nil
	}
	if mode, _ := cfg["interceptionMode"].(string); strings.EqualFold(mode, "NONE") {
		return []Violation{Invalid(base.Key(annotation.ProxyConfig.Name), "interceptionMode: "+mode,
			"disables traffic interception")}
	}
	return nil
}

// effectiveID returns a container's runAsUser or runAsGroup (name) as
// Kubernetes applies it, the container's securityContext over the pod's, and
// the path it is set at.
func effectiveID(c *corev1.SecurityContext, pod *corev1.PodSecurityContext, cPath, specPath *field.Path, name string) (*int64, *field.Path) {
	pick := func(user, group *int64) *int64 {
		if name == "runAsUser" {
			return user
		}
		return group
	}
	if c != nil {
		if v := pick(c.RunAsUser, c.RunAsGroup); v != nil {
			return v, cPath.Child(name)
		}
	}
	if pod != nil {
		if v := pick(pod.RunAsUser, pod.RunAsGroup); v != nil {
			return v, specPath.Child("securityContext", name)
		}
	}
	return nil, nil
}
