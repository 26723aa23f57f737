package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR503 flags ServiceEntries that reopen the egress REGISTRY_ONLY closes.
func ruleIGR503() *Rule {
	return &Rule{
		ID:    "IGR503",
		Title: "ServiceEntry opens egress to a whole domain space",
		Description: "With `outboundTrafficPolicy: REGISTRY_ONLY` (IGR502, IGR606) a ServiceEntry is the list of " +
			"external destinations. An external (`MESH_EXTERNAL`, the default `location`) ServiceEntry whose host is " +
			"`*` or a wildcard over a public suffix (`*.com`, `*.io`, `*.co.uk`) admits every domain on the Internet " +
			"and reopens the egress REGISTRY_ONLY closed; one over a shared hosting suffix (`*.github.io`, `*.googleapis.com`, " +
			"`*.s3.amazonaws.com`) admits every tenant of that provider (warning). `addresses` that cover the whole " +
			"IPv4 or IPv6 space do the same by IP. A wildcard host with `resolution: NONE` (the default) forwards to " +
			"whatever IP the client dialled, so a forged Host header or SNI reaches any address on those ports " +
			"(warning: prefer `DYNAMIC_DNS`, which resolves the requested name). Hosts are compared case-insensitively " +
			"against the Public Suffix List compiled into golang.org/x/net.",
		Remediation: "list the external hostnames (or *.example.com under a domain you trust) and use resolution DNS or DYNAMIC_DNS",
		Istio: "ServiceEntry proto (istio.io/api v1.31): `location` defaults to MESH_EXTERNAL and `resolution` to NONE " +
			"(\"assumes that incoming connections have already been resolved\"), CIDR `addresses` only with NONE/STATIC; " +
			"istiod's ValidateServiceEntry rejects the host `*` and warns on partial wildcards unless DYNAMIC_DNS.",
		Targets:       []Kind{KindServiceEntry},
		DefaultAction: ActionDeny,
		CELGap:        celSuffixes,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			se, _ := bodyAs[networkingapi.ServiceEntry](obj)
			if se == nil || se.GetLocation() != networkingapi.ServiceEntry_MESH_EXTERNAL {
				return nil
			}
			return checkServiceEntryBreadth(se)
		},
	}
}

// checkServiceEntryBreadth applies IGR503 to an external ServiceEntry.
func checkServiceEntryBreadth(se *networkingapi.ServiceEntry) []Violation {
	var out []Violation
	spec := field.NewPath("spec")
	hosts := spec.Child("hosts")
	none := se.GetResolution() == networkingapi.ServiceEntry_NONE
	for i, h := range se.GetHosts() {
		switch wildcardBreadth(h) {
		case hostPublicSuffix:
			out = append(out, Invalid(hosts.Index(i), h, "admits every domain of a public suffix"))
		case hostPrivateSuffix:
			out = append(out, Invalid(hosts.Index(i), h, "admits every tenant of a shared hosting domain").AsAdvisory())
		default:
			if none && strings.HasPrefix(strings.TrimSpace(h), "*") {
				out = append(out, Invalid(hosts.Index(i), h,
					"with resolution NONE forwards to any IP the client dials").
					WithFix("set spec.resolution: DYNAMIC_DNS so the requested hosts are resolved").AsAdvisory())
			}
		}
	}
	if cidrsCoverAll(se.GetAddresses()) {
		out = append(out, Invalid(spec.Child("addresses"), strings.Join(se.GetAddresses(), ","),
			"cover every IPv4 or IPv6 address"))
	}
	return out
}
