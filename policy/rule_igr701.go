package policy

import (
	"istio.io/api/label"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ruleIGR701() *Rule {
	return &Rule{
		ID:    "IGR701",
		Title: "Namespace has both istio-injection and istio.io/rev labels",
		Description: "When a namespace carries both labels, Istio's injector silently follows `istio-injection` and " +
			"ignores `istio.io/rev`: a revision-based (canary) upgrade never moves these pods, and " +
			"`istio-injection=disabled` next to a revision label disables injection the author thought was on. " +
			"Keep exactly one: `istio.io/rev` for revisioned control planes, `istio-injection` otherwise.",
		Remediation:   "remove the istio-injection label (keep istio.io/rev) or remove istio.io/rev",
		Istio:         "istiod chart mutatingwebhook.yaml (1.31 line): every revision webhook requires `istio-injection` DoesNotExist, so that label wins over `istio.io/rev`; only `enabled` selects the legacy webhook.",
		Targets:       []Kind{KindNamespace},
		DefaultAction: ActionDeny,
		CEL:           celIGR701,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			if obj.Meta == nil {
				return nil
			}
			legacy, hasLegacy := obj.Meta.Labels[LabelLegacyInjection]
			rev, hasRev := obj.Meta.Labels[label.IoIstioRev.Name]
			if !hasLegacy || !hasRev {
				return nil
			}
			p := field.NewPath("metadata", "labels").Key(label.IoIstioRev.Name)
			return []Violation{Invalid(p, rev, "is ignored because istio-injection="+legacy+" is also set")}
		},
	}
}
