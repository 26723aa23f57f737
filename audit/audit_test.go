package audit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// fakeAPIServer serves discovery for Namespaces and NetworkPolicies, one
// mesh namespace, and answers the NetworkPolicy list with 403 when forbid.
func fakeAPIServer(t *testing.T, forbid bool) *rest.Config {
	t.Helper()
	mux := http.NewServeMux()
	js := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/api", js(`{"kind":"APIVersions","versions":["v1"]}`))
	mux.HandleFunc("/apis", js(`{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"networking.k8s.io",`+
		`"versions":[{"groupVersion":"networking.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"networking.k8s.io/v1","version":"v1"}}]}`))
	mux.HandleFunc("/api/v1", js(`{"kind":"APIResourceList","groupVersion":"v1","resources":[`+
		`{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["list","watch"]}]}`))
	mux.HandleFunc("/apis/networking.k8s.io/v1", js(`{"kind":"APIResourceList","groupVersion":"networking.k8s.io/v1","resources":[`+
		`{"name":"networkpolicies","singularName":"networkpolicy","namespaced":true,"kind":"NetworkPolicy","verbs":["list","watch"]}]}`))
	mux.HandleFunc("/api/v1/namespaces", js(`{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[`+
		`{"metadata":{"name":"shop","uid":"u-shop","labels":{"istio-injection":"enabled"}}}]}`))
	mux.HandleFunc("/apis/networking.k8s.io/v1/networkpolicies", func(w http.ResponseWriter, r *http.Request) {
		if !forbid {
			js(`{"kind":"NetworkPolicyList","apiVersion":"networking.k8s.io/v1","metadata":{},"items":[]}`)(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,` +
			`"details":{"group":"networking.k8s.io","kind":"networkpolicies"},"message":"networkpolicies.networking.k8s.io is forbidden: ` +
			`User \"alice\" cannot list resource \"networkpolicies\" in API group \"networking.k8s.io\" at the cluster scope"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL}
}

func TestRunUnlistableKind(t *testing.T) {
	eng, err := policy.NewEngine(policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for desc, forbid := range map[string]bool{"NetworkPolicy forbidden: an error naming it": true, "every kind listed: the report": false} {
		t.Run(desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			res, err := Run(ctx, fakeAPIServer(t, forbid), Options{Engine: eng, Decode: manifest.FromJSON})
			if ctx.Err() != nil {
				t.Fatalf("audit did not return within 20s: %v", err)
			}
			if !forbid {
				if err != nil {
					t.Fatal(err)
				}
				var rules []string
				for _, o := range res.Report.Objects {
					for _, f := range o.Findings {
						rules = append(rules, f.Rule+" "+o.Ref.Name)
					}
				}
				if !strings.Contains(strings.Join(rules, ","), "IGR805 shop") {
					t.Errorf("findings %q, want IGR805 on shop (no NetworkPolicy listed)", rules)
				}
				return
			}
			var le *ListError
			if !errors.As(err, &le) || !apierrors.IsForbidden(err) {
				t.Fatalf("err = %v, want a ListError wrapping Forbidden", err)
			}
			for _, want := range []string{"cannot list NetworkPolicy.networking.k8s.io", `cannot list resource \"networkpolicies\"`,
				`fix: grant the verbs list on networkpolicies.networking.k8s.io (ClusterRole rule: apiGroups ["networking.k8s.io"], resources ["networkpolicies"], verbs [list])`} {
				if !strings.Contains(err.Error(), strings.ReplaceAll(want, `\"`, `"`)) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
