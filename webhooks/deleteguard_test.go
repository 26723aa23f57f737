package webhooks

import (
	"context"
	"errors"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// fakeLister serves fixed objects by kind and namespace.
type fakeLister struct {
	objs map[policy.Kind][]string // JSON documents
	err  error
}

func (f fakeLister) List(_ context.Context, kind policy.Kind, ns string) ([]*policy.Object, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []*policy.Object
	for _, raw := range f.objs[kind] {
		obj, err := manifest.FromJSON([]byte(raw))
		if err != nil {
			return nil, err
		}
		if ns == "" || obj.Meta.Namespace == ns {
			out = append(out, obj)
		}
	}
	return out, nil
}

const (
	guardShopNS   = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"istio-injection":"enabled"}}}`
	guardDenyAll  = `{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"deny-all","namespace":"shop"},"spec":{}}`
	guardOtherAll = `{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"deny-all-2","namespace":"shop"},"spec":{}}`
)

func deleteRequest(kind metav1.GroupVersionKind, old string, groups ...string) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "u1", Kind: kind, Operation: admissionv1.Delete, Namespace: "shop", Name: "deny-all",
		OldObject: runtime.RawExtension{Raw: []byte(old)}, UserInfo: authenticationv1.UserInfo{Username: "alice", Groups: groups},
	}}
}

// nextHandler records that the request was handed on.
type nextHandler struct{ called *bool }

func (n nextHandler) Handle(context.Context, admission.Request) admission.Response {
	*n.called = true
	return admission.Allowed("next")
}

func newTestGuard(t *testing.T, s policy.Settings, l AnchorLister, called *bool) *DeleteGuard {
	t.Helper()
	eng, err := policy.NewEngine(s)
	if err != nil {
		t.Fatal(err)
	}
	pol := NewPolicy(nil, nil)
	pol.Set(eng)
	return NewDeleteGuard(Options{Policy: pol, Decode: manifest.FromJSON}, l, nextHandler{called})
}

func TestDeleteGuard(t *testing.T) {
	apKind := metav1.GroupVersionKind{Group: "security.istio.io", Version: "v1", Kind: "AuthorizationPolicy"}
	lister := fakeLister{objs: map[policy.Kind][]string{
		policy.KindNamespace:           {guardShopNS},
		policy.KindAuthorizationPolicy: {guardDenyAll},
	}}
	breakGlass := policy.Settings{Rules: map[string]policy.RuleSettings{"IGR810": {Params: &policy.IGR810Params{BreakGlassGroups: []string{"mesh-admins"}}}}}
	for desc, tc := range map[string]struct {
		settings policy.Settings
		lister   AnchorLister
		groups   []string
		allowed  bool
		code     int32
		text     string
	}{
		"last default-deny is refused, naming the rule and the break-glass": {lister: lister,
			text: "IGR810 spec: is the last default-deny policy of namespace shop; deleting it allows all (fix: keep it, or break glass"},
		"another default-deny remains": {allowed: true, lister: fakeLister{objs: map[policy.Kind][]string{
			policy.KindNamespace: {guardShopNS}, policy.KindAuthorizationPolicy: {guardDenyAll, guardOtherAll}}}},
		"break-glass group": {settings: breakGlass, groups: []string{"mesh-admins"}, allowed: true, lister: lister,
			text: "istio-guardrail: IGR810 break-glass: break-glass group mesh-admins"},
		"a failed look-up is an error, not a denial": {lister: fakeLister{err: errors.New("api down")}, code: 500},
	} {
		t.Run(desc, func(t *testing.T) {
			var called bool
			g := newTestGuard(t, tc.settings, tc.lister, &called)
			resp := g.Handle(t.Context(), deleteRequest(apKind, guardDenyAll, tc.groups...))
			if called {
				t.Fatal("a DELETE was handed to the validator")
			}
			if resp.Allowed != tc.allowed {
				t.Fatalf("allowed %v, want %v: %+v", resp.Allowed, tc.allowed, resp.Result)
			}
			if tc.code != 0 && resp.Result.Code != tc.code {
				t.Fatalf("code %d, want %d", resp.Result.Code, tc.code)
			}
			got := resp.Result.Message + strings.Join(resp.Warnings, "\n")
			if !strings.Contains(got, tc.text) {
				t.Fatalf("response %q does not contain %q", got, tc.text)
			}
		})
	}
}

func TestDeleteGuardHandsOtherRequestsOn(t *testing.T) {
	var called bool
	g := newTestGuard(t, policy.Settings{}, fakeLister{}, &called)
	req := deleteRequest(metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`)
	if resp := g.Handle(t.Context(), req); !resp.Allowed || called {
		t.Fatalf("DELETE of a Pod: allowed %v, handed on %v; want allowed here", resp.Allowed, called)
	}
	req.Operation = admissionv1.Create
	if g.Handle(t.Context(), req); !called {
		t.Fatal("a CREATE was not handed to the validator")
	}
}
