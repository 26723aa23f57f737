package policy

import (
	"net/netip"
	"sort"
	"strings"
)

// cidrsCoverAll reports whether CIDR values together cover the whole IPv4 or
// the whole IPv6 address space ("*", "0.0.0.0/0", or "0.0.0.0/1" with
// "128.0.0.0/1" ...). Bare addresses count as single-address prefixes;
// malformed entries are ignored (Istio rejects them). Shared by IGR402
// (ipBlocks, remoteIpBlocks, source.ip and remote.ip conditions) and IGR703
// (excludeOutboundIPRanges).
func cidrsCoverAll(values []string) bool {
	var v4, v6 []netip.Prefix
	for _, s := range values {
		s = strings.TrimSpace(s)
		if s == "*" {
			return true
		}
		p, ok := parseCIDR(s)
		if !ok {
			continue
		}
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return prefixesCover(v4, netip.IPv4Unspecified()) || prefixesCover(v6, netip.IPv6Unspecified())
}

// parseCIDR parses a masked prefix or a bare address (a /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// prefixesCover reports whether prefixes (all of one family) cover every
// address from first upwards, by sweeping them in address order.
func prefixesCover(prefixes []netip.Prefix, first netip.Addr) bool {
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i].Addr().Less(prefixes[j].Addr()) })
	next := first
	for _, p := range prefixes {
		if next.Less(p.Addr()) {
			return false // a gap before this prefix
		}
		last := lastAddr(p)
		if !last.Next().IsValid() {
			return true // reached the end of the address space
		}
		if next.Less(last.Next()) {
			next = last.Next()
		}
	}
	return false
}

// lastAddr returns the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for bit := p.Bits(); bit < len(b)*8; bit++ {
		b[bit/8] |= 0x80 >> (bit % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
