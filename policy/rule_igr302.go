package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IGR302Params are the parameters of IGR302.
type IGR302Params struct {
	AllowedCipherSuites []string `yaml:"allowedCipherSuites" desc:"cipher suites (OpenSSL names) a Gateway server may list in tls.cipherSuites"`
}

// defaultAllowedCipherSuites are the TLS 1.2 suites with forward secrecy
// (ECDHE) and an AEAD (AES-GCM or CHACHA20-POLY1305), in OpenSSL/BoringSSL
// names as Envoy spells them.
func defaultAllowedCipherSuites() []string {
	return []string{
		"ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-AES128-GCM-SHA256",
		"ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-CHACHA20-POLY1305",
		"ECDHE-RSA-CHACHA20-POLY1305",
	}
}

// ruleIGR302 restricts Gateway cipher suites to an allowlist (ECDHE with AEAD by default).
func ruleIGR302() *Rule {
	return &Rule{
		ID:    "IGR302",
		Title: "Gateway cipher suite outside the allowlist",
		Description: "Every entry of `tls.cipherSuites` on every Gateway server must be in the allowlist. The default " +
			"allows only ECDHE key exchange (forward secrecy) with AES-GCM or CHACHA20-POLY1305 (authenticated " +
			"encryption); RSA key exchange, CBC modes, 3DES and RC4 are rejected. Envoy's equal-preference groups " +
			"(`[A|B]`) pass only if every member is allowed. An empty `cipherSuites` is not a hit: the suites then " +
			"come from `meshConfig.tlsDefaults.cipherSuites` or Envoy's server default (ECDHE with AEAD only). " +
			"TLS 1.3 suites are fixed by Envoy and not affected by this list.",
		Remediation:   "keep only allowlisted suites in tls.cipherSuites, or remove the field",
		Istio:         "ServerTLSSettings proto: an empty `cipherSuites` uses `meshConfig.tlsDefaults.cipherSuites` or Envoy's server defaults (ECDHE with AEAD); TLS 1.3 suites are fixed by Envoy.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Params:        ParamsOf(IGR302Params{AllowedCipherSuites: defaultAllowedCipherSuites()}),
		Check: checkWith(func(_ *Context, obj *Object, p *IGR302Params) []Violation {
			allowed := cipherSuiteSet(p.AllowedCipherSuites)
			return forEachGatewayServer(obj, func(s *networkingapi.Server, path *field.Path) []Violation {
				return checkGatewayCiphers(s, path, allowed)
			})
		}),
	}
}

// checkGatewayCiphers applies IGR302 to one server.
func checkGatewayCiphers(s *networkingapi.Server, path *field.Path, allowed map[string]bool) []Violation {
	var out []Violation
	suitesPath := path.Child("tls", "cipherSuites")
	for i, suite := range s.GetTls().GetCipherSuites() {
		if !cipherSuiteAllowed(suite, allowed) {
			out = append(out, Invalid(suitesPath.Index(i), suite, "is not in the cipher suite allowlist"))
		}
	}
	return out
}

// cipherSuiteAllowed reports whether suite, a name or an Envoy equivalence
// group "[A|B]", is allowed: a group only if every member is.
func cipherSuiteAllowed(suite string, allowed map[string]bool) bool {
	suite = strings.TrimSpace(suite)
	inner, isGroup := strings.CutPrefix(suite, "[")
	if !isGroup {
		return allowed[suite]
	}
	inner, closed := strings.CutSuffix(inner, "]")
	if !closed {
		return false
	}
	for _, member := range strings.Split(inner, "|") {
		if !allowed[strings.TrimSpace(member)] {
			return false
		}
	}
	return true
}

// cipherSuiteSet returns the allowlist as a set.
func cipherSuiteSet(list []string) map[string]bool {
	set := make(map[string]bool, len(list))
	for _, s := range list {
		set[s] = true
	}
	return set
}
