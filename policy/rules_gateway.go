package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// gatewayServerCheck inspects one server found at path p.
type gatewayServerCheck func(s *networkingapi.Server, p *field.Path) []Violation

// forEachGatewayServer runs check on every server of the Gateway in obj, so a
// weak setting cannot hide behind a hardened first server.
func forEachGatewayServer(obj *Object, check gatewayServerCheck) []Violation {
	var out []Violation
	servers := field.NewPath("spec", "servers")
	gw, _ := bodyAs[networkingapi.Gateway](obj)
	for i, s := range gw.GetServers() {
		if s == nil {
			continue
		}
		out = append(out, check(s, servers.Index(i))...)
	}
	return out
}

// gatewayServerProtocol returns the server's port protocol, upper-cased
// (Istio matches protocol names case-insensitively).
func gatewayServerProtocol(s *networkingapi.Server) string {
	return strings.ToUpper(strings.TrimSpace(s.GetPort().GetProtocol()))
}

// gatewayServerIsTLS reports whether the server speaks TLS on the wire
// (protocol HTTPS or TLS), and so must carry tls settings.
func gatewayServerIsTLS(s *networkingapi.Server) bool {
	switch gatewayServerProtocol(s) {
	case "HTTPS", "TLS":
		return true
	}
	return false
}

// gatewayServerIsPlaintextHTTP reports whether the server serves HTTP without
// TLS: Istio treats HTTP, HTTP2, GRPC and GRPC-WEB servers as plaintext HTTP
// and honours tls.httpsRedirect on all of them.
func gatewayServerIsPlaintextHTTP(s *networkingapi.Server) bool {
	switch gatewayServerProtocol(s) {
	case "HTTP", "HTTP2", "GRPC", "GRPC-WEB":
		return true
	}
	return false
}

// gatewayTLSTerminates reports whether the gateway itself terminates TLS with
// user-provided key material (SIMPLE, MUTUAL or OPTIONAL_MUTUAL). Only then do
// protocol versions, cipher suites and certificate sources belong to the user.
func gatewayTLSTerminates(tls *networkingapi.ServerTLSSettings) bool {
	if tls == nil {
		return false
	}
	switch tls.GetMode() {
	case networkingapi.ServerTLSSettings_SIMPLE,
		networkingapi.ServerTLSSettings_MUTUAL,
		networkingapi.ServerTLSSettings_OPTIONAL_MUTUAL:
		return true
	}
	return false
}

// tlsVersionBelow12 reports whether v is an explicit TLS version older than 1.2.
func tlsVersionBelow12(v networkingapi.ServerTLSSettings_TLSProtocol) bool {
	return v == networkingapi.ServerTLSSettings_TLSV1_0 || v == networkingapi.ServerTLSSettings_TLSV1_1
}
