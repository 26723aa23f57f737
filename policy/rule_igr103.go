package policy

import (
	"net/url"
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR103 requires JWT rules with an issuer and an https key set.
func ruleIGR103() *Rule {
	return &Rule{
		ID:    "IGR103",
		Title: "RequestAuthentication JWT rule without issuer or https jwksUri",
		Description: "A `jwtRules` entry without `issuer` cannot tie a token to the party that signed it (Istio's own " +
			"validation requires it; documents that bypass that validation, such as files checked in CI, are caught " +
			"here). A `jwksUri` fetched over plain `http` lets anyone on the path between istiod and the identity " +
			"provider substitute their own keys and mint tokens the mesh accepts; Istio's JWT guidance uses https " +
			"only. The URI must be an absolute `https://` URL with a host; the scheme is compared case-insensitively. " +
			"A rule with an inline `jwks`, or with no `jwksUri` so the key set comes from OpenID discovery of the " +
			"issuer, is fine.",
		Remediation:   "set issuer on every jwtRules entry and serve jwksUri over https",
		Istio:         "RequestAuthentication proto: `jwksUri` is optional (OpenID discovery of `issuer` otherwise); `issuer` is required by Istio's validation.",
		Targets:       []Kind{KindRequestAuthentication},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check:         checkIGR103,
	}
}

// checkIGR103 checks every JWT rule's issuer and jwksUri.
func checkIGR103(_ *Context, obj *Object, _ Params) []Violation {
	ra, ok := bodyAs[securityapi.RequestAuthentication](obj)
	if !ok {
		return nil
	}
	var out []Violation
	for i, r := range ra.GetJwtRules() {
		p := field.NewPath("spec", "jwtRules").Index(i)
		if strings.TrimSpace(r.GetIssuer()) == "" {
			out = append(out, Required(p.Child("issuer"), "must name the token issuer").
				WithFix("set "+p.Child("issuer").String()+" to the iss claim of the tokens"))
		}
		if uri := r.GetJwksUri(); uri != "" && !isHTTPSURL(uri) {
			out = append(out, Invalid(p.Child("jwksUri"), uri, "must be an https URL").
				WithFix("serve the key set over https and set "+p.Child("jwksUri").String()+" to its https:// URL"))
		}
	}
	return out
}

// isHTTPSURL reports whether s is an absolute https URL with a host.
func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && strings.EqualFold(u.Scheme, "https") && u.Host != ""
}
