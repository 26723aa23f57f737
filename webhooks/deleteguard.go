package webhooks

import (
	"context"
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// AnchorLister lists the objects a DELETE of an anchor is judged against.
type AnchorLister interface {
	// List returns the objects of kind in namespace ("" for all, or for a
	// cluster-scoped kind).
	List(ctx context.Context, kind policy.Kind, namespace string) ([]*policy.Object, error)
}

// DeleteEvaluator is the part of *policy.Engine the DeleteGuard uses.
type DeleteEvaluator interface {
	RootNamespace() string
	ValidateDelete(req policy.DeleteRequest) policy.Result
}

// DeleteGuard judges DELETE requests of the hardening's anchors (rule
// IGR810: the mesh-wide PeerAuthentication, the last default-deny
// AuthorizationPolicy of a mesh namespace, the mesh ConfigMap) and hands
// every other request to the next handler. The chart routes DELETE of those
// kinds only, through a webhook entry of its own.
type DeleteGuard struct {
	o      Options
	lister AnchorLister
	next   admission.Handler
}

var _ admission.Handler = (*DeleteGuard)(nil)

// NewDeleteGuard returns a DeleteGuard in front of next.
func NewDeleteGuard(o Options, lister AnchorLister, next admission.Handler) *DeleteGuard {
	return &DeleteGuard{o: NewValidator(o).o, lister: lister, next: next}
}

// Handle implements admission.Handler.
func (g *DeleteGuard) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Delete {
		return g.next.Handle(ctx, req)
	}
	start := time.Now()
	resp, out := g.decide(ctx, req)
	g.o.logDecision(webhookValidate, req, out, start)
	return resp
}

// decide judges a DELETE. Anything that keeps it from judging (no old
// object, a failed lookup) is an error answered 5xx, so the webhook's
// failurePolicy decides, never a denial.
func (g *DeleteGuard) decide(ctx context.Context, req admission.Request) (admission.Response, outcome) {
	kind := policy.KindOf(schema.GroupKind{Group: req.Kind.Group, Kind: req.Kind.Kind})
	if kind != policy.KindPeerAuthentication && kind != policy.KindAuthorizationPolicy && kind != policy.KindConfigMap {
		return admission.Allowed(""), outcome{decision: decisionAllowed}
	}
	eng, ok := g.o.Policy.Current().(DeleteEvaluator)
	if !ok {
		return admission.Errored(errorCode(errNoPolicy), errNoPolicy), outcome{decision: decisionError, err: errNoPolicy}
	}
	oldReq := req
	oldReq.Object = req.OldObject // the API server sends the object being deleted as oldObject
	obj, err := g.o.decode(oldReq)
	if err != nil {
		return admission.Errored(errorCode(err), err), outcome{decision: decisionError, err: err}
	}
	dreq, err := g.request(ctx, eng.RootNamespace(), obj)
	if err != nil {
		err = fmt.Errorf("look up the objects that remain: %w", err)
		return admission.Errored(errorCode(err), err), outcome{decision: decisionError, err: err}
	}
	dreq.Groups = req.UserInfo.Groups
	res := eng.ValidateDelete(dreq)
	for _, f := range res.Findings {
		g.o.Metrics.finding(f.Rule, string(f.Action))
	}
	for _, e := range res.Exempted {
		g.o.Metrics.exemption(e.Rule)
	}
	deny, warn, _ := splitFindings(res.Findings)
	resp, out := verdict(obj.Ref(), deny, warn, nil, res.Findings)
	if out.exempted = res.Exempted; len(res.Exempted) > 0 && out.decision != decisionDenied {
		out.decision = decisionExempted
		resp = resp.WithWarnings(truncate("istio-guardrail: "+res.Exempted[0].Rule+" break-glass: "+res.Exempted[0].Reason, MaxWarningLength))
	}
	return resp, out
}

// request builds the DELETE to judge: what stays after obj is deleted (the
// policies of its kind in the root namespace and in obj's namespace, and the
// Namespaces, whose labels say which are in the mesh) and whether obj's
// namespace is being deleted.
func (g *DeleteGuard) request(ctx context.Context, root string, obj *policy.Object) (policy.DeleteRequest, error) {
	idx := policy.NewClusterIndex(true)
	req := policy.DeleteRequest{Object: obj, Remaining: idx}
	nss, err := g.lister.List(ctx, policy.KindNamespace, "")
	if err != nil {
		return req, err
	}
	for _, n := range nss {
		idx.Add(n)
		if n.Meta != nil && n.Meta.Name == obj.Meta.Namespace && n.Meta.DeletionTimestamp != nil {
			req.NamespaceTerminating = true
		}
	}
	kind := policy.KindOf(obj.GroupKind)
	if kind == policy.KindConfigMap {
		return req, nil
	}
	namespaces := []string{root}
	if ns := obj.Meta.Namespace; ns != root {
		namespaces = append(namespaces, ns)
	}
	if kind == policy.KindAuthorizationPolicy && obj.Meta.Namespace == root {
		namespaces = []string{""} // every namespace may rely on the root's policy
	}
	for _, ns := range namespaces {
		objs, err := g.lister.List(ctx, kind, ns)
		if err != nil {
			return req, err
		}
		for _, o := range objs {
			if o.Meta != nil && (o.Meta.Namespace != obj.Meta.Namespace || o.Meta.Name != obj.Meta.Name) {
				idx.Add(o)
			}
		}
	}
	return req, nil
}
