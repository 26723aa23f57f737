package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR303 requires plaintext HTTP Gateway servers to redirect to HTTPS.
func ruleIGR303() *Rule {
	return &Rule{
		ID:    "IGR303",
		Title: "Gateway plaintext HTTP server without HTTPS redirect",
		Description: "A Gateway server that serves plaintext HTTP (`port.protocol` HTTP, HTTP2, GRPC or GRPC-WEB) " +
			"must set `tls.httpsRedirect: true`, so that every request is answered with a redirect to HTTPS instead " +
			"of being routed in cleartext, where credentials and cookies can be read and changed on the way. " +
			"Port 80 kept open only for ACME HTTP-01 challenges is the usual legitimate exception: exempt the " +
			"object with a reason.",
		Remediation:   "set tls.httpsRedirect: true and serve the hosts over HTTPS",
		Istio:         "ServerTLSSettings proto: `httpsRedirect` applies to plaintext servers and answers 301 to HTTPS.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachGatewayServer(obj, checkGatewayHTTPSRedirect)
		},
	}
}

// checkGatewayHTTPSRedirect applies IGR303 to one server.
func checkGatewayHTTPSRedirect(s *networkingapi.Server, path *field.Path) []Violation {
	if !gatewayServerIsPlaintextHTTP(s) || s.GetTls().GetHttpsRedirect() {
		return nil
	}
	return []Violation{Required(path.Child("tls", "httpsRedirect"),
		"must be true on a plaintext "+gatewayServerProtocol(s)+" server")}
}
