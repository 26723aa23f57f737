package policy

import (
	"maps"
	"slices"

	"istio.io/api/label"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR806 reports injection labels that name a revision no injector serves.
func ruleIGR806() *Rule {
	return &Rule{
		ID:    "IGR806",
		Title: "Injection label names a revision without an injector",
		Description: "Cross-object rule (audit). Sidecar injection is done by the MutatingWebhookConfiguration of a " +
			"revision (labelled `istio.io/rev=<revision>`, `default` for an unrevisioned install) or of a revision " +
			"tag (labelled `istio.io/tag=<tag>`). A namespace or pod whose `istio.io/rev` names neither, or a " +
			"namespace with `istio-injection=enabled` when neither the `default` revision nor a `default` tag " +
			"exists, gets no sidecar: its pods run outside the mesh, silently. The namespace label counts only " +
			"when `istio-injection` is absent (that label decides alone); a pod's label only on a pod without " +
			"sidecar. Needs the whole cluster.",
		Remediation:   "label the namespace with an installed revision or tag (istioctl tag list), or install that revision",
		Istio:         "istiod chart mutatingwebhook.yaml and revision-tags-mwc.yaml (Istio 1.31): injector labels istio.io/rev and istio.io/tag, namespaceSelector/objectSelector on istio.io/rev and istio-injection.",
		Targets:       []Kind{KindNamespace, KindPod},
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       checkIGR806,
		ClusterOnly:   true,
		Check:         crossObjectOnly,
	}
}

// injectorExists reports whether rev names an installed revision or tag.
func (c *ClusterIndex) injectorExists(rev string) bool {
	_, tagged := c.tags[rev]
	return c.revisions[rev] || tagged
}

// resolveRevision maps a revision or tag to the revision it injects.
func (c *ClusterIndex) resolveRevision(rev string) string {
	if r, ok := c.tags[rev]; ok {
		return r
	}
	return rev
}

// namespaceRevision is the revision or tag whose injector serves a
// namespace with these labels, "" when the labels select no injection.
func namespaceRevision(labels map[string]string) (rev string, at *field.Path, value string) {
	l := field.NewPath("metadata", "labels")
	if v, ok := labels[LabelLegacyInjection]; ok {
		if v == "enabled" {
			return "default", l.Key(LabelLegacyInjection), v
		}
		return "", nil, ""
	}
	if v := labels[label.IoIstioRev.Name]; v != "" {
		return v, l.Key(label.IoIstioRev.Name), v
	}
	return "", nil, ""
}

func checkIGR806(c *ClusterIndex, _ Params) []clusterViolation {
	if !c.complete {
		return nil
	}
	var out []clusterViolation
	for _, ns := range slices.Sorted(maps.Keys(c.namespaces)) {
		f := c.namespaces[ns]
		rev, at, val := namespaceRevision(f.labels)
		if rev == "" || c.injectorExists(rev) {
			continue
		}
		v := Invalid(at, val, "selects revision "+rev+", which has no injector")
		out = append(out, clusterViolation{on: f.subject, Violation: v})
	}
	for _, pod := range c.pods {
		if pod.revLabel == "" || pod.sidecar || c.injectorExists(pod.revLabel) {
			continue
		}
		if f, ok := c.namespaces[pod.ref.Namespace]; ok {
			if _, legacy := f.labels[LabelLegacyInjection]; legacy {
				continue // the namespace label decides alone
			}
		}
		at := field.NewPath("metadata", "labels").Key(label.IoIstioRev.Name)
		out = append(out, clusterViolation{on: pod.subject, Violation: Invalid(at, pod.revLabel, "names a revision with no injector")})
	}
	return out
}
