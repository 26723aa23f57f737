package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
)

// ruleIGR202 rejects client TLS that does not verify the server.
func ruleIGR202() *Rule {
	return &Rule{
		ID:    "IGR202",
		Title: "DestinationRule TLS does not verify the server",
		Description: "`tls.insecureSkipVerify: true` turns off verification of the server certificate and its " +
			"subject alternative names, so anyone who can intercept the connection can impersonate the upstream; " +
			"it is denied. A `SIMPLE` or `MUTUAL` origination without `caCertificates` or `credentialName` pins no " +
			"CA: since Istio 1.20 the proxy falls back to the operating system's public roots (before that it did " +
			"not verify at all), which is rarely what an internal or partner endpoint should trust; this part is a " +
			"warning. `ISTIO_MUTUAL` is always fine: it uses the mesh's own CA and workload identities, which is what " +
			"a `*.svc.cluster.local` host should use. `subjectAltNames` and `sni` are not required (with auto SNI and SAN " +
			"validation, on by default, Istio derives both from the request's host). When `insecureSkipVerify` is set the missing-CA " +
			"warning is not repeated for the same block. Every `tls` block is checked: top level, `portLevelSettings`, " +
			"subsets and the subsets' `portLevelSettings`.",
		Remediation:   "remove insecureSkipVerify and set caCertificates, or credentialName naming a secret with ca.crt",
		Istio:         "ClientTLSSettings proto: SIMPLE/MUTUAL without `caCertificates`/`credentialName` use the proxy's system roots since Istio 1.20; SAN and SNI are derived from the host by default.",
		Targets:       []Kind{KindDestinationRule},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check:         checkIGR202,
	}
}

// checkIGR202 reports skipped verification (deny) and a missing CA (advisory)
// at every site that has a tls block.
func checkIGR202(_ *Context, obj *Object, _ Params) []Violation {
	dr, ok := bodyAs[networkingapi.DestinationRule](obj)
	if !ok {
		return nil
	}
	var out []Violation
	for _, s := range drSites(dr) {
		if v, ok := igr202Site(s); ok {
			out = append(out, v)
		}
	}
	return out
}

// igr202Site checks one tls block; it reports at most one violation.
func igr202Site(s drSite) (Violation, bool) {
	tls := s.TLS
	if tls == nil {
		return Violation{}, false
	}
	p := s.Path.Child("tls")
	if tls.GetInsecureSkipVerify().GetValue() {
		return Invalid(p.Child("insecureSkipVerify"), true, "disables server certificate verification").
			WithFix("remove " + p.Child("insecureSkipVerify").String() + " and set caCertificates or credentialName"), true
	}
	mode := tls.GetMode()
	if mode != networkingapi.ClientTLSSettings_SIMPLE && mode != networkingapi.ClientTLSSettings_MUTUAL {
		return Violation{}, false
	}
	if tls.GetCaCertificates() != "" || tls.GetCredentialName() != "" {
		return Violation{}, false
	}
	return Required(p.Child("caCertificates"), "or credentialName must pin the CA for mode "+mode.String()).
		WithFix("set caCertificates or credentialName in " + p.String()).
		AsAdvisory(), true
}
