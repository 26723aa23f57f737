package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
)

// ruleIGR201 rejects client TLS mode DISABLE anywhere in a DestinationRule.
func ruleIGR201() *Rule {
	return &Rule{
		ID:    "IGR201",
		Title: "DestinationRule disables TLS to the upstream",
		Description: "A DestinationRule `tls` block with `mode: DISABLE` makes the client sidecar or gateway send " +
			"plaintext to the destination and overrides Istio's automatic mTLS, so traffic to a mesh service loses " +
			"encryption and workload identity wherever the server still accepts plaintext, and fails outright where the " +
			"server's PeerAuthentication is STRICT. Istio's security best " +
			"practices recommend leaving `tls` unset so auto mTLS applies, or `ISTIO_MUTUAL` inside the mesh and " +
			"`SIMPLE`/`MUTUAL` towards external hosts. The rule looks at the top-level `trafficPolicy`, every " +
			"`portLevelSettings` entry, every subset's `trafficPolicy` and that policy's `portLevelSettings`: a " +
			"port-level or subset policy overrides the top level, so a DISABLE there is as effective as one at the top. " +
			"A `tls` block written without `mode` is DISABLE too (it is the enum's zero value) and is reported alike. " +
			"Plaintext to an external HTTP-only endpoint is a legitimate exception: exempt that object with a reason.",
		Remediation:   "remove the tls block so auto mTLS applies, or set tls.mode to ISTIO_MUTUAL (SIMPLE for external hosts)",
		Istio:         "DestinationRule proto and istiod's MergeTrafficPolicy (Istio 1.31): a subset's `tls` replaces the top-level one, a port-level entry's `tls` replaces it for its port (no inheritance); a `tls` block without `mode` is DISABLE, the enum's zero value.",
		Targets:       []Kind{KindDestinationRule},
		DefaultAction: ActionDeny,
		CEL:           celIGR201,
		Check:         checkIGR201,
	}
}

// checkIGR201 reports every site whose tls block has mode DISABLE.
func checkIGR201(_ *Context, obj *Object, _ Params) []Violation {
	dr, ok := bodyAs[networkingapi.DestinationRule](obj)
	if !ok {
		return nil
	}
	var out []Violation
	for _, s := range drSites(dr) {
		if s.TLS == nil || s.TLS.GetMode() != networkingapi.ClientTLSSettings_DISABLE {
			continue
		}
		p := s.Path.Child("tls", "mode")
		out = append(out, Invalid(p, s.TLS.GetMode().String(), "sends plaintext and overrides auto mTLS").
			WithFix("set "+p.String()+": ISTIO_MUTUAL, or remove the tls block"))
	}
	return out
}
