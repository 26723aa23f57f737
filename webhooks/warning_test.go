package webhooks

import (
	"strings"
	"testing"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// TestFindingWarningDropsWordsNeverMidFix: a warning over the limit loses
// whole words from the end of its message first, keeping rule, field and
// the whole fix; a fix too long for the room loses whole words too.
func TestFindingWarningDropsWordsNeverMidFix(t *testing.T) {
	long := strings.Repeat("word ", 80) + "end"
	fix := "set spec.http[0].timeout: 5s"
	for desc, tc := range map[string]struct {
		f          policy.Finding
		wantPrefix string
		wantSuffix string
		wantWhole  bool
	}{
		"short stays whole": {
			f:         policy.Finding{Rule: "IGR705", Field: "spec.http[0].timeout", Message: "is unset", Remediation: fix},
			wantWhole: true,
		},
		"long message keeps the fix": {
			f:          policy.Finding{Rule: "IGR705", Field: "spec.http[0].timeout", Message: long, Remediation: fix},
			wantPrefix: "IGR705 spec.http[0].timeout: word word", wantSuffix: "word… (fix: " + fix + ")",
		},
		"long fix loses words, not letters": {
			f:          policy.Finding{Rule: "IGR705", Field: "spec.http[0].timeout", Message: "is unset", Remediation: long},
			wantPrefix: "IGR705 spec.http[0].timeout: is unset (fix: word", wantSuffix: "word…)",
		},
	} {
		t.Run(desc, func(t *testing.T) {
			got := findingWarning("", tc.f)
			if len(got) > MaxWarningLength {
				t.Fatalf("warning is %d bytes, over %d: %q", len(got), MaxWarningLength, got)
			}
			if tc.wantWhole {
				if want := tc.f.Rule + " " + tc.f.Short(); got != want {
					t.Errorf("got %q, want it whole: %q", got, want)
				}
				return
			}
			if !strings.HasPrefix(got, tc.wantPrefix) || !strings.HasSuffix(got, tc.wantSuffix) {
				t.Errorf("got %q, want %q ... %q", got, tc.wantPrefix, tc.wantSuffix)
			}
			if strings.Contains(got, "wor…") || strings.Contains(got, "wo…") || strings.Contains(got, "w…") {
				t.Errorf("a word was cut: %q", got)
			}
		})
	}
}
