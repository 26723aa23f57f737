package policy

import (
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// IGR307Params are the parameters of IGR307.
type IGR307Params struct {
	GatewayClassesParams `yaml:",inline"`
	AllowedCipherSuites  []string `yaml:"allowedCipherSuites" desc:"cipher suites the tls-cipher-suites option may name (TLS 1.2 names)"`
}

// ruleIGR307 holds Gateway API TLS listeners to the IGR301/IGR302 profile.
func ruleIGR307() *Rule {
	return &Rule{
		ID:    "IGR307",
		Title: "Gateway API TLS listener without a certificate or with weak cipher suites",
		Description: "Every `HTTPS` listener, and every `TLS` listener in `Terminate` mode, of a Gateway of an Istio " +
			"class (and of every ListenerSet) must terminate TLS with a certificate: `tls.certificateRefs`, or " +
			"Istio's `gateway.istio.io/tls-terminate-mode` option `ISTIO_SIMPLE` (the gateway's workload " +
			"certificate) or `ISTIO_MUTUAL` (mesh mTLS). For an HTTPS listener without `tls` istiod builds an HTTPS " +
			"server without TLS settings (IGR301's finding for Istio Gateways), and one that terminates with neither " +
			"becomes a SIMPLE server without a credential: no certificate to serve. Istio lets Gateway API users set " +
			"cipher suites only through the `gateway.istio.io/tls-cipher-suites` option (comma-separated): each must " +
			"be in the IGR302 allowlist (`allowedCipherSuites`, same default). The minimum TLS version cannot be set " +
			"on a Gateway API listener: Istio applies `meshConfig.tlsDefaults.minProtocolVersion`, TLS 1.2 by default.",
		Remediation: "set tls.certificateRefs to a kubernetes.io/tls Secret and keep only allowlisted suites in the tls-cipher-suites option",
		Istio: "istiod buildTLS (pilot/pkg/config/kube/gateway, 1.31 line): Terminate (the default mode) becomes SIMPLE " +
			"with the certificateRefs as credentialName, the tls-terminate-mode option MUTUAL/OPTIONAL_MUTUAL/ISTIO_SIMPLE/" +
			"ISTIO_MUTUAL changes it, tls-cipher-suites is split on commas and filtered; \"max protocol version\" is " +
			"not implemented, so ServerTLSSettings' TLSV1_2 minimum applies.",
		Targets:       gatewayAPIListenerTargets,
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Params:        ParamsOf(IGR307Params{GatewayClassesParams: defaultGatewayClasses(), AllowedCipherSuites: defaultAllowedCipherSuites()}),
		Check: checkWith(func(_ *Context, obj *Object, p *IGR307Params) []Violation {
			allowed := cipherSuiteSet(p.AllowedCipherSuites)
			return forEachGatewayAPIListener(obj, p.GatewayClasses, func(l gwListener) []Violation {
				return checkGatewayAPITLS(l, allowed)
			})
		}),
	}
}

// checkGatewayAPITLS applies IGR307 to one listener.
func checkGatewayAPITLS(l gwListener, allowed map[string]bool) []Violation {
	if l.Protocol != gatewayv1.HTTPSProtocolType && l.Protocol != gatewayv1.TLSProtocolType {
		return nil
	}
	if l.TLS == nil {
		return []Violation{Required(l.Path.Child("tls"), "must be set: an "+string(l.Protocol)+" listener needs a certificate")}
	}
	if l.tlsMode() != gatewayv1.TLSModeTerminate {
		return nil // Passthrough: IGR311
	}
	var out []Violation
	switch strings.TrimSpace(l.option(gwOptionTerminateMode)) {
	case "ISTIO_SIMPLE", "ISTIO_MUTUAL":
	default:
		if len(l.TLS.CertificateRefs) == 0 {
			out = append(out, Required(l.Path.Child("tls", "certificateRefs"), "must name the certificate the listener serves"))
		}
	}
	if suites := l.option(gwOptionCipherSuites); suites != "" {
		path := l.Path.Child("tls", "options").Key(gwOptionCipherSuites)
		for _, s := range strings.Split(suites, ",") {
			if s = strings.TrimSpace(s); s != "" && !cipherSuiteAllowed(s, allowed) {
				out = append(out, Invalid(path, s, "is not in the cipher suite allowlist"))
			}
		}
	}
	return out
}
