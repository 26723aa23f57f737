package policy

import (
	"istio.io/api/annotation"
	"istio.io/api/label"
)

// ruleIGR712 is IGR702 for ambient mode: pods opting out of ztunnel.
func ruleIGR712() *Rule {
	return &Rule{
		ID:    "IGR712",
		Title: "Pod opts out of ambient in an ambient namespace",
		Description: "A pod in an ambient namespace (`istio.io/dataplane-mode=ambient`) labelled " +
			"`istio.io/dataplane-mode: none` is not redirected to ztunnel: it runs outside the mesh, with no mTLS and " +
			"no authorization policy, and STRICT peers refuse it (the ambient form of IGR702). A `hostNetwork` pod " +
			"there is never enrolled either and is reported as a warning. Pods with a sidecar are left to the " +
			"sidecar rules. Namespace labels come from the cluster (webhook) or the input files (check); when the " +
			"namespace is unknown the rule stays silent. Pods and workload pod templates are checked.",
		Remediation: "remove the istio.io/dataplane-mode: none label, or exempt the workload with a reason",
		Istio: "istio-cni chart values (1.31 line) `ambient.enablementSelectors`: a pod label `istio.io/dataplane-mode: ambient`, or a " +
			"namespace labelled ambient and a pod label NotIn [none]; CompiledEnablementSelectors.Matches skips hostNetwork pods and pods with a `sidecar.istio.io/status` annotation.",
		Targets:       append([]Kind{KindPod}, WorkloadKinds()...),
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(ctx *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok {
				return nil
			}
			labels, known := ctx.namespaceLabels(pt.Namespace(obj))
			if !known || !namespaceAmbient(labels) {
				return nil
			}
			if _, injected := pt.Meta.Annotations[annotation.SidecarStatus.Name]; injected {
				return nil // ztunnel and a sidecar are never combined: the sidecar rules apply
			}
			key := label.IoIstioDataplaneMode.Name
			if v, set := pt.Meta.Labels[key]; set && v == dataplaneModeNone {
				return []Violation{Invalid(pt.MetaPath.Child("labels").Key(key), v, "takes the pod out of ambient mode")}
			}
			if pt.Spec.HostNetwork {
				p := pt.SpecPath.Child("hostNetwork")
				return []Violation{Invalid(p, true, "is never enrolled in ambient, so the pod runs outside the mesh").
					WithFix("remove " + p.String() + ", or exempt the workload with a reason").AsAdvisory()}
			}
			return nil
		},
	}
}
