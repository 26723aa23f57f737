package policy

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// hostBreadth says how much of the DNS name space a host pattern covers.
type hostBreadth int

const (
	hostNarrow        hostBreadth = iota // a name, or a wildcard under a registrable domain
	hostPrivateSuffix                    // "*.github.io": every tenant of a shared hosting domain
	hostPublicSuffix                     // "*", "*.com", "*.co.uk": every domain of a TLD
)

// wildcardBreadth judges a host pattern ("*", "*.suffix" or a name). A
// wildcard over an ICANN public suffix covers every domain registered under
// it; one over a listed private suffix (github.io, s3.amazonaws.com) every
// tenant of that provider. Single-label names the list does not know
// ("*.internal") fall under the list's default rule and are not judged broad.
func wildcardBreadth(host string) hostBreadth {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if h == "*" {
		return hostPublicSuffix
	}
	rest, ok := strings.CutPrefix(h, "*.")
	if !ok || rest == "" {
		return hostNarrow
	}
	suffix, icann := publicsuffix.PublicSuffix(rest)
	switch {
	case suffix != rest:
		return hostNarrow
	case icann:
		return hostPublicSuffix
	case strings.Contains(rest, "."):
		return hostPrivateSuffix
	}
	return hostNarrow
}
