package policy

import (
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR404 rejects principals that are not <trust-domain>/ns/<ns>/sa/<sa>.
func ruleIGR404() *Rule {
	return &Rule{
		ID:    "IGR404",
		Title: "AuthorizationPolicy principal not in SPIFFE form",
		Description: "A principal (`principals`, `notPrincipals`, or a `source.principal` condition) must have the " +
			"form `<trust-domain>/ns/<namespace>/sa/<service-account>`, e.g. `cluster.local/ns/shop/sa/cart`. " +
			"Istio compares principals literally, so a malformed one (`shop/cart`, `ns/shop/sa/cart`, a " +
			"`spiffe://` prefix, which Istio adds itself) never matches: in an ALLOW policy the intended caller is " +
			"locked out, and in a DENY policy the caller it was meant to block is let through. Istio's prefix " +
			"(`cluster.local/ns/shop/*`) and suffix (`*/ns/shop/sa/cart`) wildcards are accepted when the fixed " +
			"part fits the form; a `*` anywhere else is not a wildcard. A bare `*` is IGR402's concern. The rule " +
			"checks policies of every action.",
		Remediation:   "write it as <trust-domain>/ns/<ns>/sa/<sa>, e.g. cluster.local/ns/shop/sa/cart",
		Istio:         "AuthorizationPolicy proto: principals are `<trust-domain>/ns/<ns>/sa/<sa>`, compared literally except a leading or trailing `*`.",
		Targets:       []Kind{KindAuthorizationPolicy},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachAuthzRule(obj, checkAuthzPrincipals)
		},
	}
}

// checkAuthzPrincipals applies IGR404 to one rule, of any action.
func checkAuthzPrincipals(r *securityapi.Rule, path *field.Path) []Violation {
	var out []Violation
	for i, f := range r.GetFrom() {
		p := path.Child("from").Index(i).Child("source")
		s := f.GetSource()
		out = append(out, principalViolations(p.Child("principals"), s.GetPrincipals())...)
		out = append(out, principalViolations(p.Child("notPrincipals"), s.GetNotPrincipals())...)
	}
	for i, c := range r.GetWhen() {
		if strings.TrimSpace(c.GetKey()) != "source.principal" {
			continue
		}
		p := path.Child("when").Index(i)
		out = append(out, principalViolations(p.Child("values"), c.GetValues())...)
		out = append(out, principalViolations(p.Child("notValues"), c.GetNotValues())...)
	}
	return out
}

// principalViolations reports each malformed principal of list at path.
func principalViolations(path *field.Path, list []string) []Violation {
	var out []Violation
	for i, v := range list {
		if msg := principalProblem(v); msg != "" {
			out = append(out, Invalid(path.Index(i), v, msg))
		}
	}
	return out
}

// principalForm is how IGR404 messages spell the expected form.
const principalForm = "<trust-domain>/ns/<ns>/sa/<sa>"

// principalProblem says what is wrong with principal v, or "" if nothing is.
// Istio supports an exact value, "*", a prefix match "X*" and a suffix match
// "*X"; the fixed part X must fit the SPIFFE path form.
func principalProblem(v string) string {
	if v == "*" {
		return ""
	}
	if strings.HasPrefix(v, "spiffe://") {
		return "must not start with spiffe:// (Istio adds it)"
	}
	var ok bool
	switch stars := strings.Count(v, "*"); {
	case stars == 0:
		ok = principalSegmentsFit(strings.Split(v, "/"), false, false)
	case stars == 1 && strings.HasSuffix(v, "*"):
		ok = principalSegmentsFit(strings.Split(strings.TrimSuffix(v, "*"), "/"), false, true)
	case stars == 1 && strings.HasPrefix(v, "*"):
		ok = principalSegmentsFit(strings.Split(strings.TrimPrefix(v, "*"), "/"), true, false)
	default:
		return "may use * only as the whole value, a prefix or a suffix"
	}
	if !ok {
		return "must be " + principalForm
	}
	return ""
}

// principalSegmentsFit reports whether segs, the "/"-separated parts of a
// principal or of the fixed part of a wildcard principal, fit the five
// segments of <trust-domain>/ns/<ns>/sa/<sa>. A suffix match (partialFirst)
// aligns segs to the end and its first segment may be the tail of a segment;
// a prefix match (partialLast) aligns them to the start and its last segment
// may be the head of one. A complete principal must have all five.
func principalSegmentsFit(segs []string, partialFirst, partialLast bool) bool {
	const n = 5
	if len(segs) > n || (!partialFirst && !partialLast && len(segs) != n) {
		return false
	}
	offset := 0
	if partialFirst {
		offset = n - len(segs)
	}
	for i, seg := range segs {
		headPart := partialLast && i == len(segs)-1
		tailPart := partialFirst && i == 0
		if !principalSegmentFits(offset+i, seg, headPart, tailPart) {
			return false
		}
	}
	return true
}

// principalSegmentFits checks one segment at position pos (0 trust domain,
// 1 "ns", 2 namespace, 3 "sa", 4 service account). headPart and tailPart
// mark a segment cut by a prefix or suffix wildcard.
func principalSegmentFits(pos int, seg string, headPart, tailPart bool) bool {
	keyword := principalKeyword(pos)
	switch {
	case keyword != "" && headPart:
		return strings.HasPrefix(keyword, seg)
	case keyword != "" && tailPart:
		return strings.HasSuffix(keyword, seg)
	case keyword != "":
		return seg == keyword
	default:
		return seg != "" || headPart || tailPart
	}
}

// principalKeyword returns the literal segment expected at pos ("ns" or
// "sa"), or "" where a name goes.
func principalKeyword(pos int) string {
	switch pos {
	case 1:
		return "ns"
	case 3:
		return "sa"
	}
	return ""
}
