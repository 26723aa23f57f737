package policy

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ruleIGR001() *Rule {
	return &Rule{
		ID:    "IGR001",
		Title: "Exemption without a reason",
		Description: "An object carries `" + AnnotationExempt + "` without a non-empty `" + AnnotationExemptReason +
			"`. The exemption is ignored, so the rules it names still apply; this rule says why. " +
			"It also reports a pod template's exemption without a reason, and exemptions naming rules that " +
			"the configuration's `exemptions.allowedRules` does not allow (ignored for those rules, as a warning).",
		Remediation:   "add the " + AnnotationExemptReason + " annotation explaining the exemption, or remove " + AnnotationExempt,
		Istio:         "The guardrail's own annotations (no Istio semantics).",
		DefaultAction: ActionWarn,
		CELGap:        celExemptions,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			if obj.Meta == nil {
				return nil
			}
			ids, ok := obj.Meta.Annotations[AnnotationExempt]
			if !ok || strings.TrimSpace(obj.Meta.Annotations[AnnotationExemptReason]) != "" {
				return nil
			}
			p := field.NewPath("metadata", "annotations").Key(AnnotationExemptReason)
			return []Violation{Required(p, "is missing, so the exemption from "+ids+" is ignored")}
		},
	}
}

func ruleIGR002() *Rule {
	return &Rule{
		ID:    "IGR002",
		Title: "Unknown field in an Istio or Gateway API object",
		Description: "A field in the spec of an Istio resource, or anywhere but the metadata of a Gateway API resource " +
			"(Gateway, ListenerSet, HTTPRoute, GRPCRoute, TLSRoute, ReferenceGrant), is not part of its CRD schema: a typo " +
			"such as `mtsl:` or `certificateRef:`, an Istio field in a Gateway API object (`httpsRedirect:`), or the " +
			"protobuf name of a field (`connect_timeout:`) where the schema has only the JSON name (`connectTimeout:`), " +
			"which Istio's own decoders would accept but the API server never stores. " +
			"The API server prunes unknown fields silently, so the setting the author meant never takes effect. " +
			"Only `check` can see these: at admission the API server has already pruned them. `check` judges the " +
			"object without them, as it will be stored.",
		Remediation: "correct the field name (see the Istio or Gateway API reference) or remove the field",
		Istio: "The API server prunes fields the CRD's structural schema lacks (JSON names only; proto names such as `connect_timeout` " +
			"are pruned although istiod's decoder would accept them); checked against the real pruning code and the CRDs of " +
			"istio.io/api v1.31 and sigs.k8s.io/gateway-api v1.6 (standard channel; experimental for TLSRoute v1alpha2 and v1alpha3). " +
			"The Gateway API CRDs have no `x-kubernetes-preserve-unknown-fields`.",
		DefaultAction: ActionDeny,
		CELGap:        celFiles,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			out := make([]Violation, 0, len(obj.UnknownFields))
			for _, f := range obj.UnknownFields {
				msg := "is not a field of " + obj.GroupKind.Kind + " (pruned by the API server, so it has no effect)"
				if f.JSONName != "" {
					msg = "is the protobuf name; the CRD schema knows only " + f.JSONName + " (pruned by the API server, so it has no effect)"
				}
				// f.Path is already rendered (manifest found it walking the
				// document); one element renders as it is.
				out = append(out, Violation{Path: field.NewPath(f.Path), Message: msg})
			}
			return out
		},
	}
}
