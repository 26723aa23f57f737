package policy

import (
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IGR504Params are the parameters of IGR504.
type IGR504Params struct {
	SharedNamespaces []string `yaml:"sharedNamespaces" desc:"namespaces whose ServiceEntries may be exported to every namespace"`
}

// ruleIGR504 warns on ServiceEntries an application namespace exports to the
// whole mesh.
func ruleIGR504() *Rule {
	return &Rule{
		ID:    "IGR504",
		Title: "ServiceEntry from an application namespace exported to every namespace",
		Description: "A ServiceEntry with `exportTo: [\"*\"]` is visible to every namespace: an application team " +
			"that declares an external host (or takes over an internal one) changes where every other namespace's " +
			"traffic for that host goes, and widens the mesh's egress for everyone. Keep application ServiceEntries " +
			"to their namespace (`exportTo: [\".\"]`) and publish shared external services from the namespaces " +
			"listed in `sharedNamespaces`. An omitted `exportTo` follows `meshConfig.defaultServiceExportTo` (the " +
			"mesh's decision, \"*\" unless set) and is not reported.",
		Remediation: "set spec.exportTo: [\".\"], or declare shared external services in a shared namespace",
		Istio: "ServiceEntry proto: `exportTo` entries are \".\", \"*\" or namespace names; empty means the mesh's " +
			"defaultServiceExportTo (MeshConfig proto: all namespaces by default).",
		Targets:       []Kind{KindServiceEntry},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Params:        ParamsOf(IGR504Params{SharedNamespaces: []string{"istio-system"}}),
		Check: checkWith(func(_ *Context, obj *Object, p *IGR504Params) []Violation {
			se, _ := bodyAs[networkingapi.ServiceEntry](obj)
			if se == nil || obj.Meta == nil || slices.Contains(p.SharedNamespaces, obj.Meta.Namespace) {
				return nil
			}
			var out []Violation
			for i, e := range se.GetExportTo() {
				if strings.TrimSpace(e) == "*" {
					out = append(out, Invalid(field.NewPath("spec", "exportTo").Index(i), e,
						"exports the entry to every namespace"))
				}
			}
			return out
		}),
	}
}
