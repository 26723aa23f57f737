package policy

import (
	extensionsapi "istio.io/api/extensions/v1alpha1"
	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR709 warns on EnvoyFilters and WasmPlugins applied to the whole mesh.
func ruleIGR709() *Rule {
	return &Rule{
		ID:    "IGR709",
		Title: "EnvoyFilter or WasmPlugin applied to the whole mesh",
		Description: "An EnvoyFilter or WasmPlugin in the root namespace (`rootNamespace`, istio-system by default) " +
			"with no workload selector and no `targetRefs` applies to every proxy of the mesh, gateways included: a " +
			"mistake in it breaks or weakens every workload at once. Select the workloads (or the gateway) it is for.",
		Remediation: "add a workloadSelector (EnvoyFilter), selector (WasmPlugin) or targetRefs naming the workloads it is for",
		Istio: "EnvoyFilter and WasmPlugin protos (istio.io/api v1.31): \"if not set, the policy is applied as defined by " +
			"the selector\"; without a selector the resource applies to its namespace, and from the root namespace to all namespaces.",
		Targets:       []Kind{KindEnvoyFilter, KindWasmPlugin},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Params:        ParamsOf(defaultMeshRoot()),
		Check: checkWith(func(_ *Context, obj *Object, p *MeshRootParams) []Violation {
			if obj.Meta == nil || obj.Meta.Namespace != p.RootNamespace {
				return nil
			}
			var selector *field.Path
			if ef, _ := bodyAs[networkingapi.EnvoyFilter](obj); ef != nil {
				if ef.GetWorkloadSelector() != nil || len(ef.GetTargetRefs()) > 0 {
					return nil
				}
				selector = field.NewPath("spec", "workloadSelector")
			} else if w, _ := bodyAs[extensionsapi.WasmPlugin](obj); w != nil {
				if w.GetSelector() != nil || len(w.GetTargetRefs()) > 0 || w.GetTargetRef() != nil {
					return nil
				}
				selector = field.NewPath("spec", "selector")
			} else {
				return nil
			}
			return []Violation{Required(selector, "is unset in the root namespace, so every proxy of the mesh is changed")}
		}),
	}
}
