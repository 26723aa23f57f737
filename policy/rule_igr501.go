package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR501 rejects Sidecar egress listeners that import every namespace.
func ruleIGR501() *Rule {
	return &Rule{
		ID:    "IGR501",
		Title: "Sidecar egress imports every namespace",
		Description: "An egress listener host `*/*` makes the proxy import every service of every namespace: the " +
			"workload can reach the whole mesh, and each proxy holds configuration for all of it (memory and push " +
			"load grow with the mesh). The point of a Sidecar resource is to narrow this to the namespaces and " +
			"hosts the workload calls (`./*`, `istio-system/*`, `payments/api.payments.svc.cluster.local`). Every " +
			"egress listener is checked. A Sidecar with no egress listener at all gets Istio's default `*/*`; " +
			"that is reported as a warning, since such a Sidecar may exist only for its ingress settings.",
		Remediation:   "replace */* with the namespaces the workload calls, e.g. ./* and istio-system/*",
		Istio:         "Sidecar proto: with no `egress` listener the default is `*/*` (every namespace's services).",
		Targets:       []Kind{KindSidecar},
		DefaultAction: ActionDeny,
		CEL:           celIGR501,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			sc, _ := bodyAs[networkingapi.Sidecar](obj)
			if sc == nil {
				return nil
			}
			egress := field.NewPath("spec", "egress")
			if len(sc.GetEgress()) == 0 {
				return []Violation{Required(egress, "is unset, so Istio imports every namespace (*/*)").AsAdvisory().
					WithFix("add an egress listener with hosts such as ./* and istio-system/*")}
			}
			var out []Violation
			for i, l := range sc.GetEgress() {
				for j, h := range l.GetHosts() {
					if strings.TrimSpace(h) == "*/*" {
						out = append(out, Invalid(egress.Index(i).Child("hosts").Index(j), h, "imports every service of every namespace"))
					}
				}
			}
			return out
		},
	}
}
