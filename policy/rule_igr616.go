package policy

import (
	"strings"

	networkingv1beta1api "istio.io/api/networking/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR616 judges the proxy settings a ProxyConfig resource overrides.
func ruleIGR616() *Rule {
	return &Rule{
		ID:    "IGR616",
		Title: "ProxyConfig with unbounded worker threads or the debug proxy image",
		Description: "A ProxyConfig resource overrides the proxy settings of the mesh (root namespace, no selector), a " +
			"namespace or selected workloads. `concurrency: 0` runs one Envoy worker per core of the node, whatever " +
			"the pod's CPU limit (IGR611, IGR901 size the proxy for two): on a large node the proxy's memory grows " +
			"with the cores and its threads are throttled. `image.imageType: debug` runs Istio's debug proxy image, " +
			"with a shell and network tools in every selected pod (IGR613's intent for log levels: debug is for " +
			"a pod while debugging, not for a scope). Leave `concurrency` unset (derived from the CPU limit) and " +
			"use the default or distroless image.",
		Remediation: "remove concurrency: 0 (or set 2) and use imageType default or distroless",
		Istio: "ProxyConfig proto (networking.istio.io/v1beta1, istio.io/api v1.31): `concurrency` \"if unset, this will be " +
			"automatically determined based on CPU limits. If set to 0, all cores on the machine will be used\"; `imageType` " +
			"default, debug or distroless selects the published proxy image.",
		Targets:       []Kind{KindProxyConfig},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			pc, _ := obj.Body.(*networkingv1beta1api.ProxyConfig)
			if pc == nil {
				return nil
			}
			spec := field.NewPath("spec")
			var out []Violation
			if c := pc.GetConcurrency(); c != nil && c.GetValue() == 0 {
				out = append(out, Invalid(spec.Child("concurrency"), 0, "starts a worker per node core, whatever the CPU limit"))
			}
			if t := pc.GetImage().GetImageType(); strings.EqualFold(strings.TrimSpace(t), "debug") {
				out = append(out, Invalid(spec.Child("image", "imageType"), t, "runs the debug proxy image with a shell and tools"))
			}
			return out
		},
	}
}
