package webhooks

import (
	"strings"
	"unicode/utf8"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// MaxWarningLength is the longest warning we return, in bytes: the API
// server may truncate warnings over 256 characters (admission/v1
// AdmissionResponse.Warnings), so we shorten them first, by words.
const MaxWarningLength = 256

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
// each within MaxWarningLength (findingWarning).
func warnings(warn []policy.Finding) []string {
	out := make([]string, 0, len(warn))
	for _, f := range warn {
		out = append(out, findingWarning("", f))
	}
	return out
}

// findingWarning renders one finding as a warning of at most
// MaxWarningLength bytes, prefix first. A warning that is too long loses
// whole words, never a cut one: first from the end of the message, so the
// rule, the field and the fix stay, then from the end of the fix; each
// shortened part ends in "…".
func findingWarning(prefix string, f policy.Finding) string {
	head := prefix + f.Rule + " " + f.Field + ": "
	msg, fix := f.Message, f.Remediation
	render := func(msg, fix string) string {
		if fix == "" {
			return head + msg
		}
		return head + msg + " (fix: " + fix + ")"
	}
	s := render(msg, fix)
	if len(s) <= MaxWarningLength {
		return s
	}
	if room := MaxWarningLength - (len(s) - len(msg)); room > 0 {
		if m, ok := dropWords(msg, room); ok {
			return render(m, fix)
		}
	}
	m, _ := dropWords(msg, 24)
	if room := MaxWarningLength - len(render(m, "")) - len(" (fix: )"); fix != "" && room > 0 {
		if x, ok := dropWords(fix, room); ok {
			return render(m, x)
		}
	}
	return truncate(render(m, ""), MaxWarningLength) // a single word longer than the room
}

// dropWords shortens s to at most n bytes by dropping whole words from its
// end, marking the cut with "…"; ok is false when not even one word fits.
func dropWords(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, true
	}
	const ellipsis = "…"
	cut := strings.LastIndexByte(s[:max(0, n-len(ellipsis)+1)], ' ')
	for cut > 0 && strings.ContainsRune(",;:(", rune(s[cut-1])) {
		cut--
	}
	if cut <= 0 {
		return "", false
	}
	return s[:cut] + ellipsis, true
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
