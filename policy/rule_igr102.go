package policy

import (
	"sort"
	"strconv"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR102 rejects plaintext-accepting port-level mTLS modes.
func ruleIGR102() *Rule {
	return &Rule{
		ID:    "IGR102",
		Title: "PeerAuthentication port-level mTLS not STRICT",
		Description: "`portLevelMtls` overrides the workload's mode for single ports, so a policy that says STRICT " +
			"at the top can still accept plaintext on the one port that matters: checks that look only at " +
			"`spec.mtls.mode` (such as the Kyverno samples) miss it. Every entry with `PERMISSIVE` or `DISABLE` is " +
			"rejected; `UNSET` and `STRICT` entries are fine (UNSET inherits). Istio honours `portLevelMtls` only on " +
			"a policy with a workload selector, but entries are checked on any policy: adding a selector later must " +
			"not silently open a port. A port that must take plaintext (for example a health check from outside the " +
			"mesh) is a deliberate exception: exempt the object with a reason.",
		Remediation:   "set the port's mode to STRICT or remove the portLevelMtls entry",
		Istio:         "PeerAuthentication proto: `portLevelMtls` is honoured only with a workload selector; an entry's UNSET inherits the workload mode.",
		Targets:       []Kind{KindPeerAuthentication},
		DefaultAction: ActionDeny,
		CEL:           celIGR102,
		Check:         checkIGR102,
	}
}

// checkIGR102 reports each weak portLevelMtls entry, in port order.
func checkIGR102(_ *Context, obj *Object, _ Params) []Violation {
	pa, ok := bodyAs[securityapi.PeerAuthentication](obj)
	if !ok {
		return nil
	}
	levels := pa.GetPortLevelMtls()
	ports := make([]uint32, 0, len(levels))
	for port := range levels {
		ports = append(ports, port)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	var out []Violation
	for _, port := range ports {
		mode := levels[port].GetMode()
		if !weakMTLSMode(mode) {
			continue
		}
		p := field.NewPath("spec", "portLevelMtls").Key(strconv.FormatUint(uint64(port), 10)).Child("mode")
		out = append(out, Invalid(p, mode.String(), "must be STRICT").WithFix("set "+p.String()+": STRICT"))
	}
	return out
}
