package policy

import "testing"

func TestIGR503(t *testing.T) {
	const ports = `ports: [{number: 443, name: tls, protocol: TLS}]`
	runRuleTable(t, ruleIGR503(), map[string]ruleCase{
		"hit: the issue's TLD wildcards, default location and resolution": {
			doc:  `{hosts: ["*.com", "*.net", "*.org", "*.io"], ` + ports + `}`,
			want: []string{"spec.hosts[0]", "spec.hosts[1]", "spec.hosts[2]", "spec.hosts[3]"},
		},
		"hit: bare wildcard, explicit MESH_EXTERNAL, DYNAMIC_DNS": {
			doc:  `{hosts: ["*"], location: MESH_EXTERNAL, resolution: DYNAMIC_DNS, ` + ports + `}`,
			want: []string{"spec.hosts[0]"},
		},
		"hit: multi-label public suffix, upper case, trailing dot": {
			doc:  `{hosts: [api.example.com, "*.CO.UK."], resolution: DYNAMIC_DNS, ` + ports + `}`,
			want: []string{"spec.hosts[1]"},
		},
		"hit: shared hosting suffix is a warning": {
			doc:  `{hosts: ["*.github.io", "*.googleapis.com"], resolution: DYNAMIC_DNS, ` + ports + `}`,
			want: []string{"spec.hosts[0] (advisory)", "spec.hosts[1] (advisory)"},
		},
		"hit: wildcard under a real domain with resolution NONE is a warning": {
			doc:  `{hosts: ["*.wikipedia.org"], resolution: NONE, ` + ports + `}`,
			want: []string{"spec.hosts[0] (advisory)"},
		},
		"hit: wildcard with the default resolution NONE is a warning": {
			doc:  `{hosts: ["*.wikipedia.org"], ` + ports + `}`,
			want: []string{"spec.hosts[0] (advisory)"},
		},
		"hit: addresses covering all of IPv4": {
			doc:  `{hosts: [egress.example.com], addresses: ["0.0.0.0/1", "128.0.0.0/1"], resolution: STATIC, endpoints: [{address: 10.0.0.1}], ` + ports + `}`,
			want: []string{"spec.addresses"},
		},
		"miss: named hosts with DNS": {
			doc: `{hosts: [api.example.com, "pypi.org"], resolution: DNS, ` + ports + `}`,
		},
		"miss: wildcard under a registrable domain with DYNAMIC_DNS": {
			doc: `{hosts: ["*.example.com", "*.amazonaws.com"], resolution: DYNAMIC_DNS, ` + ports + `}`,
		},
		"miss: unlisted single-label suffix": {
			doc: `{hosts: ["*.internal"], resolution: DYNAMIC_DNS, ` + ports + `}`,
		},
		"miss: internal entry may be a wildcard": {
			doc: `{hosts: ["*.com"], location: MESH_INTERNAL, resolution: NONE, ` + ports + `}`,
		},
		"miss: narrow addresses": {
			doc: `{hosts: [db.example.com], addresses: ["10.1.0.0/16"], resolution: STATIC, endpoints: [{address: 10.1.0.5}], ` + ports + `}`,
		},
	})
	checkRuleNil(t, ruleIGR503())
}
