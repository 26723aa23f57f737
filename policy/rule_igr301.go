package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// paramRequireExplicitMinTLS is the IGR301 parameter that makes an unset
// minProtocolVersion a hit.
const paramRequireExplicitMinTLS = "requireExplicitMinProtocolVersion"

// IGR301Params are the parameters of IGR301.
type IGR301Params struct {
	RequireExplicitMinProtocolVersion bool `yaml:"requireExplicitMinProtocolVersion" desc:"also report terminating servers that leave tls.minProtocolVersion unset or TLS_AUTO (Istio's default is TLSV1_2)"`
}

// ruleIGR301 requires TLS settings on HTTPS/TLS Gateway servers and TLS 1.2 or later where the gateway terminates TLS.
func ruleIGR301() *Rule {
	return &Rule{
		ID:    "IGR301",
		Title: "Gateway TLS server without TLS settings or with TLS below 1.2",
		Description: "A Gateway server whose `port.protocol` is HTTPS or TLS must carry `tls` settings, and a server " +
			"that terminates TLS (`mode` SIMPLE, MUTUAL or OPTIONAL_MUTUAL) must not accept TLS 1.0 or 1.1: both " +
			"are deprecated (RFC 8996) and fail PCI DSS and most audits. `minProtocolVersion` TLSV1_0 or TLSV1_1, " +
			"and `maxProtocolVersion` TLSV1_0 or TLSV1_1 (which pins the server to an old version) are hits. " +
			"An unset `minProtocolVersion` (or TLS_AUTO) is Istio's documented default, TLSV1_2 (ServerTLSSettings " +
			"proto comment, Istio 1.2x), and is admitted; set the " +
			"parameter `" + paramRequireExplicitMinTLS + "` to true to require the floor to be written down. PASSTHROUGH, AUTO_PASSTHROUGH and " +
			"ISTIO_MUTUAL servers are not checked for versions: the gateway does not negotiate those with user " +
			"settings (see IGR306).",
		Remediation:   "set tls.minProtocolVersion: TLSV1_2 or TLSV1_3",
		Istio:         "ServerTLSSettings proto: `minProtocolVersion` defaults to TLSV1_2 (TLS_AUTO is the default); PASSTHROUGH is the default `mode` when `tls` is unset on an HTTPS/TLS server; protocol names are case-insensitive.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionDeny,
		CEL:           celIGR301,
		Params:        ParamsOf(IGR301Params{}),
		Check: checkWith(func(_ *Context, obj *Object, p *IGR301Params) []Violation {
			requireExplicit := p.RequireExplicitMinProtocolVersion
			return forEachGatewayServer(obj, func(s *networkingapi.Server, path *field.Path) []Violation {
				return checkGatewayTLSVersion(s, path, requireExplicit)
			})
		}),
	}
}

// checkGatewayTLSVersion applies IGR301 to one server.
func checkGatewayTLSVersion(s *networkingapi.Server, path *field.Path, requireExplicit bool) []Violation {
	tls := s.GetTls()
	tlsPath := path.Child("tls")
	if tls == nil {
		if !gatewayServerIsTLS(s) {
			return nil
		}
		return []Violation{Required(tlsPath, "is required on an "+gatewayServerProtocol(s)+" server").
			WithFix("add tls with mode: SIMPLE, a credentialName and minProtocolVersion: TLSV1_2")}
	}
	if !gatewayServerIsTLS(s) || !gatewayTLSTerminates(tls) {
		return nil
	}
	var out []Violation
	minPath := tlsPath.Child("minProtocolVersion")
	switch v := tls.GetMinProtocolVersion(); {
	case tlsVersionBelow12(v):
		out = append(out, Invalid(minPath, v.String(), "must be TLSV1_2 or TLSV1_3"))
	case v == networkingapi.ServerTLSSettings_TLS_AUTO && requireExplicit:
		out = append(out, Required(minPath, "is unset (Istio's default, TLSV1_2); the config requires it written"))
	}
	if v := tls.GetMaxProtocolVersion(); tlsVersionBelow12(v) {
		out = append(out, Invalid(tlsPath.Child("maxProtocolVersion"), v.String(), "must not be below TLSV1_2").
			WithFix("remove tls.maxProtocolVersion or set it to TLSV1_3"))
	}
	return out
}
