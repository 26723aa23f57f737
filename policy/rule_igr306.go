package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR306 flags Gateway servers that pass TLS through without terminating it.
func ruleIGR306() *Rule {
	return &Rule{
		ID:    "IGR306",
		Title: "Gateway TLS passthrough",
		Description: "A Gateway server in `tls.mode` PASSTHROUGH (the default mode of an HTTPS or TLS server that " +
			"sets none) or AUTO_PASSTHROUGH forwards the encrypted stream by SNI without terminating it: the " +
			"gateway cannot enforce TLS versions, ciphers or client certificates, cannot apply HTTP routing, " +
			"AuthorizationPolicy on paths and methods, or request logging, and AUTO_PASSTHROUGH routes to any " +
			"service whose name a client puts in the SNI. It is sometimes required (east-west gateways, backends " +
			"that must own their certificates): review it and exempt the object with a reason.",
		Remediation:   "terminate TLS at the gateway (mode SIMPLE or MUTUAL) unless passthrough is required",
		Istio:         "ServerTLSSettings proto: PASSTHROUGH and AUTO_PASSTHROUGH forward by SNI without terminating TLS.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachGatewayServer(obj, checkGatewayPassthrough)
		},
	}
}

// checkGatewayPassthrough applies IGR306 to one server. PASSTHROUGH is the
// zero value of the mode, so it counts only on HTTPS/TLS servers, where Istio
// actually applies it; AUTO_PASSTHROUGH is always explicit.
func checkGatewayPassthrough(s *networkingapi.Server, path *field.Path) []Violation {
	tls := s.GetTls()
	if tls == nil {
		return nil
	}
	mode := tls.GetMode()
	passthrough := mode == networkingapi.ServerTLSSettings_AUTO_PASSTHROUGH ||
		(mode == networkingapi.ServerTLSSettings_PASSTHROUGH && gatewayServerIsTLS(s))
	if !passthrough {
		return nil
	}
	return []Violation{Invalid(path.Child("tls", "mode"), mode.String(), "forwards TLS without terminating it at the gateway")}
}
