package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR502 rejects Sidecars that allow traffic to hosts outside the registry.
func ruleIGR502() *Rule {
	return &Rule{
		ID:    "IGR502",
		Title: "Sidecar allows traffic to any external host",
		Description: "`outboundTrafficPolicy.mode: ALLOW_ANY` on a Sidecar lets the workload connect to any " +
			"destination outside the service registry, overriding a mesh-wide REGISTRY_ONLY (see IGR606): " +
			"exfiltration and calls to unvetted endpoints go through unnoticed, with no ServiceEntry to review. " +
			"With REGISTRY_ONLY, external hosts must be declared in ServiceEntries (and can be routed through an " +
			"egress gateway).",
		Remediation:   "set outboundTrafficPolicy.mode: REGISTRY_ONLY; declare external hosts as ServiceEntries",
		Istio:         "Sidecar proto: `outboundTrafficPolicy` overrides the mesh config's for the selected workloads.",
		Targets:       []Kind{KindSidecar},
		DefaultAction: ActionDeny,
		CEL:           celIGR502,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			sc, _ := bodyAs[networkingapi.Sidecar](obj)
			mode := sc.GetOutboundTrafficPolicy().GetMode()
			if mode != networkingapi.OutboundTrafficPolicy_ALLOW_ANY {
				return nil
			}
			return []Violation{Invalid(field.NewPath("spec", "outboundTrafficPolicy", "mode"), mode.String(), "must be REGISTRY_ONLY")}
		},
	}
}
