package policy

import (
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// authzRuleCheck inspects one rule of a policy, found at path p. r may be
// nil (an empty list entry), which Istio treats as an empty rule.
type authzRuleCheck func(r *securityapi.Rule, p *field.Path) []Violation

// forEachAuthzRule runs check on every rule of the policy in obj.
func forEachAuthzRule(obj *Object, check authzRuleCheck) []Violation {
	var out []Violation
	rules := field.NewPath("spec", "rules")
	ap, _ := bodyAs[securityapi.AuthorizationPolicy](obj)
	for i, r := range ap.GetRules() {
		out = append(out, check(r, rules.Index(i))...)
	}
	return out
}

// forEachAllowRule runs check on every rule of obj if it is an ALLOW policy
// (ALLOW is the default action). DENY, AUDIT and CUSTOM policies are skipped.
func forEachAllowRule(obj *Object, check authzRuleCheck) []Violation {
	ap, _ := bodyAs[securityapi.AuthorizationPolicy](obj)
	if ap == nil || ap.GetAction() != securityapi.AuthorizationPolicy_ALLOW {
		return nil
	}
	return forEachAuthzRule(obj, check)
}

// authzRuleIsEmpty reports whether r has no from, to or when: such a rule
// matches every request (IGR401's finding; other rules skip it).
func authzRuleIsEmpty(r *securityapi.Rule) bool {
	return len(r.GetFrom()) == 0 && len(r.GetTo()) == 0 && len(r.GetWhen()) == 0
}

// authzField is one list-valued field of a source, operation or condition.
type authzField struct {
	name   string
	values []string
}

// sourcePositiveFields returns the fields of s that name who may call.
func sourcePositiveFields(s *securityapi.Source) []authzField {
	return []authzField{
		{"principals", s.GetPrincipals()},
		{"requestPrincipals", s.GetRequestPrincipals()},
		{"namespaces", s.GetNamespaces()},
		{"serviceAccounts", s.GetServiceAccounts()},
		{"ipBlocks", s.GetIpBlocks()},
		{"remoteIpBlocks", s.GetRemoteIpBlocks()},
		{"trustDomains", s.GetTrustDomains()},
	}
}

// sourceNegativeFields returns the negative-match fields of s.
func sourceNegativeFields(s *securityapi.Source) []authzField {
	return []authzField{
		{"notPrincipals", s.GetNotPrincipals()},
		{"notRequestPrincipals", s.GetNotRequestPrincipals()},
		{"notNamespaces", s.GetNotNamespaces()},
		{"notServiceAccounts", s.GetNotServiceAccounts()},
		{"notIpBlocks", s.GetNotIpBlocks()},
		{"notRemoteIpBlocks", s.GetNotRemoteIpBlocks()},
		{"notTrustDomains", s.GetNotTrustDomains()},
	}
}

// operationPositiveFields returns the fields of o that name what may be called.
func operationPositiveFields(o *securityapi.Operation) []authzField {
	return []authzField{
		{"hosts", o.GetHosts()},
		{"ports", o.GetPorts()},
		{"methods", o.GetMethods()},
		{"paths", o.GetPaths()},
	}
}

// operationNegativeFields returns the negative-match fields of o.
func operationNegativeFields(o *securityapi.Operation) []authzField {
	return []authzField{
		{"notHosts", o.GetNotHosts()},
		{"notPorts", o.GetNotPorts()},
		{"notMethods", o.GetNotMethods()},
		{"notPaths", o.GetNotPaths()},
	}
}

// authzValueMatchesAny reports whether a positive match value matches every
// value of its field: "*", or an IP block covering all addresses.
func authzValueMatchesAny(v string) bool {
	switch strings.TrimSpace(v) {
	case "*", "0.0.0.0/0", "::/0":
		return true
	}
	return false
}

// conditionKeyIsSource reports whether a `when` key identifies the caller, so
// that a condition on it restricts the source like `from` does.
func conditionKeyIsSource(key string) bool {
	switch key {
	case "source.ip", "remote.ip", "source.namespace", "source.principal", "source.serviceAccount":
		return true
	}
	return strings.HasPrefix(key, "request.auth.")
}

// conditionKeyIsOperation reports whether a `when` key restricts the
// destination like `to.operation` does.
func conditionKeyIsOperation(key string) bool {
	switch key {
	case "destination.ip", "destination.port", "connection.sni":
		return true
	}
	return false
}

// whenRestricts reports whether some condition of when on a key accepted by
// keyOK has values that, taken together, do not match everything.
func whenRestricts(when []*securityapi.Condition, keyOK func(string) bool) bool {
	for _, c := range when {
		key := strings.TrimSpace(c.GetKey())
		if keyOK(key) && len(c.GetValues()) > 0 && len(authzBroadValues(nil, key, c.GetValues())) == 0 {
			return true
		}
	}
	return false
}

// authzMatch classifies a source field or condition key by how its values
// match: IP ranges, SPIFFE principals, or plain strings.
type authzMatch int

const (
	authzMatchString authzMatch = iota
	authzMatchPrincipal
	authzMatchIP
)

// authzMatchOf classifies a field name (principals, ipBlocks ...) or a `when`
// key (source.principal, source.ip ...).
func authzMatchOf(name string) authzMatch {
	switch name {
	case "principals", "source.principal":
		return authzMatchPrincipal
	case "ipBlocks", "remoteIpBlocks", "source.ip", "remote.ip", "destination.ip":
		return authzMatchIP
	}
	return authzMatchString
}

// authzBroadValues reports the values of a field or condition (name selects
// the match semantics, path may be nil when only the count matters) that
// admit every caller: "*", an IP block covering every address, a principal
// wildcard spanning every namespace, or IP blocks that only together cover
// every address (reported on the list itself).
func authzBroadValues(path *field.Path, name string, values []string) []Violation {
	match := authzMatchOf(name)
	var out []Violation
	for i, v := range values {
		if msg := authzBroadValue(match, v); msg != "" {
			out = append(out, Invalid(path.Index(i), v, msg))
		}
	}
	if len(out) == 0 && match == authzMatchIP && cidrsCoverAll(values) {
		out = append(out, Invalid(path, nil, "together cover every address, so any source is allowed"))
	}
	return out
}

// authzBroadValue says why one value matches every caller, or "".
func authzBroadValue(match authzMatch, v string) string {
	switch {
	case authzValueMatchesAny(v):
		return "matches any source"
	case match == authzMatchIP && cidrsCoverAll([]string{v}):
		return "covers every address, so any source is allowed"
	case match == authzMatchPrincipal && principalSpansNamespaces(v):
		return "matches workloads of every namespace"
	}
	return ""
}

// principalSpansNamespaces reports whether an Istio principal wildcard
// leaves the namespace open, so that it matches workloads of every namespace
// (of one trust domain, or of all): a prefix match whose fixed part ends
// before the namespace name ("cluster.local/*", "cluster.local/ns/*",
// "clus*"), or a suffix match whose fixed part starts after it ("*/sa/web",
// "*web"). A wildcard fixing at least part of the namespace name
// ("cluster.local/ns/shop/*", "*/ns/shop/sa/web") is accepted. Values with
// a "*" elsewhere are literals to Istio (IGR404 reports them).
func principalSpansNamespaces(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case v == "*":
		return true
	case strings.Count(v, "*") != 1:
		return false
	case strings.HasSuffix(v, "*"):
		segs := strings.Split(strings.TrimSuffix(v, "*"), "/")
		return len(segs) < 3 || segs[2] == ""
	case strings.HasPrefix(v, "*"):
		segs := strings.Split(strings.TrimPrefix(v, "*"), "/")
		return len(segs) < 3 || segs[len(segs)-3] == ""
	}
	return false
}
