package policy

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestCELToUpperASCIIPreimages holds celGatewayProtocol to
// gatewayServerProtocol: Go's strings.ToUpper turns exactly two non-ASCII
// runes into ASCII letters (U+0131 into I, U+017F into S), which the CEL form
// rewrites before upperAscii; every other non-ASCII rune stays non-ASCII, so
// it cannot be part of an ASCII protocol name either way.
func TestCELToUpperASCIIPreimages(t *testing.T) {
	var got []rune
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if strings.ContainsFunc(strings.ToUpper(string(r)), func(u rune) bool { return u < 0x80 }) {
			got = append(got, r)
		}
	}
	if !slices.Equal(got, []rune{'ı', 'ſ'}) {
		t.Errorf("non-ASCII runes whose upper case has ASCII: %q, want ı and ſ (extend celGatewayProtocol)", got)
	}
	for _, esc := range []string{`'\u0131', 'i'`, `'\u017f', 's'`} {
		if !strings.Contains(celGatewayProtocol("s"), esc) {
			t.Errorf("celGatewayProtocol does not rewrite %s", esc)
		}
	}
}
