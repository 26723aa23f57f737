package admissionpolicy

import (
	"strings"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// MarkdownTable renders which validation rules have a policy form, and why
// the others have none: the README's table (kept fresh by a test).
func MarkdownTable() string {
	forms := policy.CELForms()
	gaps := policy.CELGaps()
	var b strings.Builder
	b.WriteString("| Rule | Title | Policy form | Why not |\n|---|---|---|---|\n")
	for _, r := range policy.Catalogue() {
		if _, ok := forms[r.ID]; ok {
			names := make([]string, 0, 2)
			for _, p := range Policies(r, forms[r.ID]) {
				names = append(names, "`<name>"+p.Suffix()+"`")
			}
			b.WriteString("| " + r.ID + " | " + r.Title + " | yes: " + strings.Join(names, ", ") + " | |\n")
			continue
		}
		b.WriteString("| " + r.ID + " | " + r.Title + " | no | " + gaps[r.ID] + " |\n")
	}
	return b.String()
}
