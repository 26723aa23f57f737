package webhooks

import (
	"strings"
	"unicode/utf8"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// MaxWarningLength is the longest warning we return; kubectl prints each
// warning on one line and the API server caps warnings in size.
const MaxWarningLength = 120

// maxDenyMessage bounds the denial message (the API server truncates long ones).
const maxDenyMessage = 4096

// splitFindings groups findings by action.
func splitFindings(fs []policy.Finding) (deny, warn, audit []policy.Finding) {
	for _, f := range fs {
		switch f.Action {
		case policy.ActionDeny:
			deny = append(deny, f)
		case policy.ActionWarn:
			warn = append(warn, f)
		case policy.ActionAudit:
			audit = append(audit, f)
		}
	}
	return deny, warn, audit
}

// denyMessage lists every denying finding on one message:
// "istio-guardrail denied PeerAuthentication ns/x: IGR101 spec.mtls.mode: ... (fix: ...); IGR102 ...".
func denyMessage(ref policy.ObjectRef, deny []policy.Finding) string {
	var b strings.Builder
	b.WriteString("istio-guardrail denied ")
	b.WriteString(ref.String())
	b.WriteString(": ")
	for i, f := range deny {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Rule)
		b.WriteByte(' ')
		b.WriteString(f.Short())
	}
	return truncate(b.String(), maxDenyMessage)
}

// warnings renders warn findings as "IGR201 field: message (fix: ...)",
// each truncated to MaxWarningLength.
func warnings(warn []policy.Finding) []string {
	out := make([]string, 0, len(warn))
	for _, f := range warn {
		out = append(out, truncate(f.Rule+" "+f.Short(), MaxWarningLength))
	}
	return out
}

// truncate shortens s to at most n bytes on a rune boundary, ending in "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// ruleIDs returns the rule IDs of fs, in order, for logs.
func ruleIDs(fs []policy.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule+":"+string(f.Action))
	}
	return out
}
