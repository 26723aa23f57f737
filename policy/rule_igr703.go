package policy

import (
	"net/netip"
	"sort"
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
		if igr703CoversAll(v) {
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

// igr703CoversAll reports whether a comma-separated CIDR list covers the whole
// IPv4 or the whole IPv6 space ("*", "0.0.0.0/0", "0.0.0.0/1,128.0.0.0/1" ...).
// Malformed entries are ignored (the injector rejects them).
func igr703CoversAll(list string) bool {
	if igr703HasItem(list, "*") {
		return true
	}
	var v4, v6 []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		if p = p.Masked(); p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return igr703Covers(v4, netip.IPv4Unspecified()) || igr703Covers(v6, netip.IPv6Unspecified())
}

// igr703Covers reports whether prefixes (all of one family) cover every
// address from first upwards, by sweeping them in address order.
func igr703Covers(prefixes []netip.Prefix, first netip.Addr) bool {
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i].Addr().Less(prefixes[j].Addr()) })
	next := first
	for _, p := range prefixes {
		if next.Less(p.Addr()) {
			return false // a gap before this prefix
		}
		last := igr703LastAddr(p)
		if !last.Next().IsValid() {
			return true // reached the end of the address space
		}
		if next.Less(last.Next()) {
			next = last.Next()
		}
	}
	return false
}

// igr703LastAddr returns the highest address of a masked prefix.
func igr703LastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for bit := p.Bits(); bit < len(b)*8; bit++ {
		b[bit/8] |= 0x80 >> (bit % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
