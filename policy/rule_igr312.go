package policy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// ruleIGR312 warns on ReferenceGrants that open every Secret or Service of a namespace.
func ruleIGR312() *Rule {
	return &Rule{
		ID:    "IGR312",
		Title: "ReferenceGrant opens every Secret or Service of its namespace",
		Description: "A ReferenceGrant `to` entry without `name` grants the `from` namespaces every object of that " +
			"kind in the grant's namespace. For Secrets, a Gateway in a `from` namespace can then serve (and so " +
			"read through the gateway) any certificate and key of this namespace; for Services, routes there can " +
			"send traffic to any Service here. Name the Secret or Service granted. (The Gateway API has no wildcard " +
			"`from` namespace: each namespace granted is listed.)",
		Remediation: "set spec.to[].name to the Secret or Service the other namespace needs",
		Istio: "istiod's ReferenceGrants index (pilot/pkg/config/kube/gatewaycommon, 1.31 line): a `to` without name " +
			"allows every object of the kind; Istio reads grants for Secrets (Gateway certificateRefs) and Services (route backendRefs).",
		Targets:       []Kind{KindReferenceGrant},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			rg, _ := obj.Body.(*gatewayv1.ReferenceGrant)
			if rg == nil {
				return nil
			}
			var out []Violation
			for i, to := range rg.Spec.To {
				if to.Group != "" || (to.Kind != "Secret" && to.Kind != "Service") || (to.Name != nil && *to.Name != "") {
					continue
				}
				out = append(out, Required(field.NewPath("spec", "to").Index(i).Child("name"),
					"is unset, so every "+string(to.Kind)+" of the namespace is granted"))
			}
			return out
		},
	}
}
