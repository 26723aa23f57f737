package policy

import (
	"strings"

	"istio.io/api/annotation"
)

func ruleIGR703() *Rule {
	return &Rule{
		ID:    "IGR703",
		Title: "Pod bypasses the mesh through sidecar annotations",
		Description: "Annotations on a pod can keep its traffic away from its sidecar while it still looks meshed: " +
			"`traffic.sidecar.istio.io/excludeOutboundIPRanges` covering every address (`*`, `0.0.0.0/0`, `::/0`, " +
			"or ranges that add up to the whole space), `includeOutboundIPRanges` or `includeInboundPorts` set to " +
			"an empty string (no redirection at all), `excludeInboundPorts: \"*\"`, " +
			"`sidecar.istio.io/interceptionMode: NONE`, and `sidecar.istio.io/proxyImage`, which replaces the " +
			"reviewed proxy with an arbitrary image. Pods and workload pod templates are checked.",
		Remediation:   "remove the bypass annotation; exclude only the specific ranges or ports that must skip the proxy",
		Istio:         "injector: traffic annotations `traffic.sidecar.istio.io/*` and `sidecar.istio.io/interceptionMode` as istio-iptables reads them; an empty include list captures nothing.",
		Targets:       append([]Kind{KindPod}, WorkloadKinds()...),
		DefaultAction: ActionDeny,
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
			return out
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
