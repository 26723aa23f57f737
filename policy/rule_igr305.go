package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR305 flags Gateway hosts that accept any hostname from any namespace.
func ruleIGR305() *Rule {
	return &Rule{
		ID:    "IGR305",
		Title: "Gateway server accepts any host from any namespace",
		Description: "A Gateway server host `*` (or `*/*`) accepts every Host header and SNI, and lets a " +
			"VirtualService in any namespace bind any hostname to the gateway: a team can take over traffic meant " +
			"for another, and requests for hostnames nobody owns are routed instead of refused. List the " +
			"hostnames the gateway serves, or at least restrict the namespace (`./*`, `team-a/*`), which only " +
			"the namespace's owners can bind to.",
		Remediation:   "list the hostnames served, e.g. app.example.com or team-a/app.example.com",
		Istio:         "Server proto: `hosts` entries are `namespace/dnsName`; `*` or `*/` in the namespace part lets any namespace bind VirtualServices.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachGatewayServer(obj, checkGatewayHosts)
		},
	}
}

// checkGatewayHosts applies IGR305 to one server.
func checkGatewayHosts(s *networkingapi.Server, path *field.Path) []Violation {
	var out []Violation
	for i, h := range s.GetHosts() {
		if gatewayHostIsAnyFromAnywhere(h) {
			out = append(out, Invalid(path.Child("hosts").Index(i), h, "matches any host from any namespace"))
		}
	}
	return out
}

// gatewayHostIsAnyFromAnywhere reports whether a Gateway host ("[ns/]dnsName")
// is a bare wildcard with no namespace restriction: "*" or "*/*".
func gatewayHostIsAnyFromAnywhere(host string) bool {
	ns, dns, found := strings.Cut(strings.TrimSpace(host), "/")
	if !found {
		return ns == "*"
	}
	return ns == "*" && dns == "*"
}
