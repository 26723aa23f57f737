package policy

import (
	"fmt"
	"slices"
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IGR810Params are the parameters of IGR810.
type IGR810Params struct {
	BreakGlassGroups []string `yaml:"breakGlassGroups" desc:"groups whose members may delete the anchors (break-glass)"`
}

// ruleIGR810 guards the anchors of the hardening against DELETE.
func ruleIGR810() *Rule {
	return &Rule{
		ID:    "IGR810",
		Title: "Deleting an anchor of the mesh's hardening",
		Description: "Cross-object rule (admission, DELETE). An UPDATE that weakens the mesh-wide PeerAuthentication, " +
			"a default-deny AuthorizationPolicy or the mesh ConfigMap is judged by the other rules, but a DELETE " +
			"undoes them without any review. This rule refuses the DELETE of: a STRICT mesh-wide PeerAuthentication " +
			"(root namespace, no selector) when no other STRICT mesh-wide policy remains; the last default-deny " +
			"AuthorizationPolicy (as IGR804 defines it) of a mesh namespace, or of the root namespace while a mesh " +
			"namespace relies on it; and the mesh ConfigMap (`istio`, or `istio-<revision>`, in the root " +
			"namespace); the root namespace is IGR801's `rootNamespace`. Break-glass: a member of a group named in the parameter `breakGlassGroups` may delete, " +
			"and so may anyone once an administrator has annotated the object `istio-guardrail.io/exempt: IGR810` " +
			"with `istio-guardrail.io/exempt-reason` (subject to `exemptions.rules` and " +
			"`exemptions.annotationNamespaces`). Objects of a namespace being deleted may go. Only requests the chart's DELETE webhook routes are judged.",
		Remediation: "keep it, or break glass: be in a group of IGR810's breakGlassGroups, or have an administrator annotate " +
			"istio-guardrail.io/exempt: IGR810 with an istio-guardrail.io/exempt-reason",
		Istio:         "ComposePeerAuthentication (pilot/pkg/security/authn) and the AuthorizationPolicy proto (istio.io/api v1.31); istiod reads mesh config from ConfigMap istio[-<revision>] in its namespace (pilot/pkg/bootstrap/mesh.go), falling back to defaults when it is gone.",
		Targets:       []Kind{KindPeerAuthentication, KindAuthorizationPolicy, KindConfigMap},
		DefaultAction: ActionDeny,
		CELGap:        celAnchors,
		ClusterOnly:   true,
		Params:        ParamsOf(IGR810Params{BreakGlassGroups: []string{}}),
		Check:         crossObjectOnly,
	}
}

// DeleteRequest is a DELETE to judge: the object being deleted and who asks.
type DeleteRequest struct {
	Object *Object
	// Groups are the requesting user's groups.
	Groups []string
	// Remaining indexes the objects that stay: the PeerAuthentications and
	// AuthorizationPolicies of the root namespace and of Object's namespace
	// (Object itself excluded) and the Namespaces.
	Remaining *ClusterIndex
	// NamespaceTerminating: the object's namespace is being deleted, and the
	// namespace controller removes what it holds; such a DELETE is allowed.
	NamespaceTerminating bool
}

// ValidateDelete judges a DELETE with IGR810. A break-glass group member's
// request, or an exempted object, is allowed and reported in Exempted.
func (e *Engine) ValidateDelete(req DeleteRequest) Result {
	cr := e.ruleByID["IGR810"]
	if cr == nil || cr.action == ActionOff || req.Object == nil || req.Object.Meta == nil {
		return Result{Skipped: true}
	}
	if e.NamespaceExempt(namespaceOf(req.Object)) {
		return Result{ExemptNamespace: true}
	}
	if req.NamespaceTerminating {
		return Result{}
	}
	vs := deleteViolations(req, e.RootNamespace())
	if len(vs) == 0 {
		return Result{}
	}
	for _, g := range cr.params.(*IGR810Params).BreakGlassGroups {
		if slices.Contains(req.Groups, g) {
			return Result{Exempted: []Exemption{{Rule: cr.rule.ID, Reason: "break-glass group " + g, Suppressed: len(vs)}}}
		}
	}
	ex := e.exemptionsOf(req.Object)
	if reason, ok := ex.exempt[cr.rule.ID]; ok {
		return Result{Exempted: []Exemption{{Rule: cr.rule.ID, Reason: reason, Suppressed: len(vs)}}}
	}
	ref := req.Object.Ref()
	out := make([]Finding, 0, len(vs))
	for _, v := range vs {
		out = append(out, cr.finding(ref, v))
	}
	sortFindings(out)
	return Result{Findings: out}
}

func deleteViolations(req DeleteRequest, root string) []Violation {
	obj, c := req.Object, req.Remaining
	if c == nil {
		c = NewClusterIndex(true)
	}
	switch KindOf(obj.GroupKind) {
	case KindPeerAuthentication:
		pa, ok := bodyAs[securityapi.PeerAuthentication](obj)
		if !ok || !isMeshWidePeerAuthentication(obj, pa, root) || pa.GetMtls().GetMode() != securityapi.PeerAuthentication_MutualTLS_STRICT {
			return nil
		}
		if after := c.effectiveMTLS(root, root, nil); after.strict() {
			return nil // another STRICT mesh-wide policy decides
		}
		msg := "is the mesh-wide STRICT policy: deleting it makes the mesh PERMISSIVE"
		return []Violation{Invalid(field.NewPath("spec", "mtls", "mode"), "STRICT", msg)}
	case KindAuthorizationPolicy:
		return deleteAuthorizationViolations(obj, c, root)
	case KindConfigMap:
		if isMeshConfigMap(obj, root) {
			msg := "is the mesh config: deleting it drops istiod to the default mesh settings"
			return []Violation{Required(field.NewPath("data").Key("mesh"), msg)}
		}
	}
	return nil
}

// isMeshConfigMap reports whether obj is istiod's mesh ConfigMap: named
// istio or istio-<revision> in the root namespace, with a data.mesh key
// (which tells it from istio-ca-root-cert, istio-sidecar-injector and the
// other istio-* ConfigMaps there).
func isMeshConfigMap(obj *Object, root string) bool {
	cm, ok := obj.Body.(*corev1.ConfigMap)
	if !ok || cm == nil || obj.Meta.Namespace != root {
		return false
	}
	if obj.Meta.Name != "istio" && !strings.HasPrefix(obj.Meta.Name, "istio-") {
		return false
	}
	_, mesh := cm.Data["mesh"]
	return mesh
}

func deleteAuthorizationViolations(obj *Object, c *ClusterIndex, root string) []Violation {
	ap, _ := bodyAs[securityapi.AuthorizationPolicy](obj)
	if ap == nil {
		return nil
	}
	probe := NewClusterIndex(true)
	probe.Add(obj)
	if len(probe.authzs) == 0 || !probe.authzs[0].defaultDeny() {
		return nil
	}
	affected := []string{obj.Meta.Namespace}
	if obj.Meta.Namespace == root {
		affected = c.meshNamespaces()
	}
	var lost []string
	for _, ns := range affected {
		f, ok := c.namespaces[ns]
		if ok && namespaceInMesh(f.labels) && len(c.defaultDenyPolicies(root, ns)) == 0 {
			lost = append(lost, ns)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	what := "namespace " + lost[0]
	if len(lost) > 1 {
		what = fmt.Sprintf("%d mesh namespaces", len(lost))
	}
	msg := "is the last default-deny policy of " + what + "; deleting it allows all"
	return []Violation{Required(field.NewPath("spec"), msg)}
}
