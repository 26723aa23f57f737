package policy

import (
	"istio.io/api/label"
)

func ruleIGR702() *Rule {
	return &Rule{
		ID:    "IGR702",
		Title: "Sidecar injection disabled in an injected namespace",
		Description: "A pod in a namespace labelled for injection (`istio-injection=enabled`, or `istio.io/rev` " +
			"without `istio-injection`, and not ambient) opts out with `sidecar.istio.io/inject: \"false\"`. The pod " +
			"then runs outside the mesh: no mTLS, no authorization policy, and STRICT peers refuse it. The label " +
			"wins over the annotation (even an empty label), as in Istio. From Istio 1.27 the injector (`injectRequired`) " +
			"reads only the exact strings \"true\" and \"false\": `False`, `no` or `disabled` are logged as invalid " +
			"and the namespace's default applies, so such a pod is injected and not reported; up to 1.26 (the " +
			"configuration's `istioVersion`) it lowercased the value, `y`, `yes`, `true` and `on` injected and any other " +
			"non-empty value, `no` and `False` included, disabled injection, and is reported. A `hostNetwork` pod in " +
			"such a namespace is never injected (injectRequired checks it first) and is reported as a warning. Namespace labels come from the cluster (webhook) or the input files (check); when the " +
			"namespace is unknown the rule stays silent. Pods and workload pod templates are checked.",
		Remediation:   "remove sidecar.istio.io/inject: \"false\", or exempt the workload with a reason",
		Istio:         "injector injectRequired (pkg/kube/inject): from 1.27 only exact \"true\"/\"false\" decide, other values fall back to the default policy; up to 1.26 y/yes/true/on (any case) inject and any other non-empty value disables (istioVersion); a present label replaces the annotation; hostNetwork pods are never injected.",
		Targets:       append([]Kind{KindPod}, WorkloadKinds()...),
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(ctx *Context, obj *Object, _ Params) []Violation {
			pt, ok := PodTemplateOf(obj)
			if !ok {
				return nil
			}
			inj := podInjectionOf(pt.Meta, ctx.istioVersion())
			labels, known := ctx.namespaceLabels(pt.Namespace(obj))
			if !known || !namespaceInjected(labels) {
				return nil
			}
			if pt.Spec.HostNetwork && (!inj.Set || inj.Inject) {
				// injectRequired returns false for hostNetwork before reading
				// any label: the pod runs outside the mesh. Often deliberate
				// (node agents), so a warning.
				return []Violation{Invalid(pt.SpecPath.Child("hostNetwork"), true,
					"is never injected by Istio, so the pod runs outside the mesh").
					WithFix("remove " + pt.SpecPath.Child("hostNetwork").String() + ", or exempt the workload with a reason").AsAdvisory()}
			}
			if !inj.Set || inj.Inject {
				return nil
			}
			p := pt.MetaPath.Child(inj.Where).Key(label.SidecarInject.Name)
			return []Violation{Invalid(p, inj.Value, "disables injection in a namespace labelled for injection")}
		},
	}
}
