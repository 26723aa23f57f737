package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

func init() { ctrllog.SetLogger(logr.Discard()) }

// Annotations that drive fakeEngine.
const (
	annDeny        = "test.io/deny"
	annWarn        = "test.io/warn"
	annAudit       = "test.io/audit"
	annPanic       = "test.io/panic"
	annMutate      = "test.io/mutate"
	annMutateError = "test.io/mutate-error"
	annMutatePanic = "test.io/mutate-panic"
	annMutated     = "test.io/mutated"
)

// fakeEngine is an Evaluator whose verdicts come from the object's
// annotations, so each handler path can be reached deterministically.
type fakeEngine struct{}

func (fakeEngine) Validate(_ *policy.Context, obj *policy.Object) policy.Result {
	if obj.Body == nil || obj.Meta == nil {
		return policy.Result{Skipped: true}
	}
	a := obj.Meta.Annotations
	if _, ok := a[annPanic]; ok {
		panic("rule exploded")
	}
	var out []policy.Finding
	for _, x := range []struct {
		key    string
		action policy.Action
		base   int
	}{{annDeny, policy.ActionDeny, 100}, {annWarn, policy.ActionWarn, 200}, {annAudit, policy.ActionAudit, 300}} {
		for i, msg := range strings.Split(a[x.key], "|") {
			if msg != "" {
				out = append(out, policy.Finding{Rule: fmt.Sprintf("IGR%03d", x.base+i), Action: x.action,
					Object: obj.Ref(), Field: "metadata.annotations", Message: msg, Remediation: "remove " + x.key})
			}
		}
	}
	return policy.Result{Findings: out}
}

func (fakeEngine) Mutate(_ *policy.Context, obj *policy.Object) (policy.MutationResult, error) {
	pod, ok := obj.Body.(*corev1.Pod)
	if !ok {
		return policy.MutationResult{Skipped: "not a pod"}, nil
	}
	if _, ok := pod.Annotations[annMutatePanic]; ok {
		panic("mutator exploded")
	}
	if _, ok := pod.Annotations[annMutateError]; ok {
		return policy.MutationResult{}, fmt.Errorf("broken mutator")
	}
	if _, ok := pod.Annotations[annMutate]; !ok || pod.Annotations[annMutated] == "yes" {
		return policy.MutationResult{}, nil
	}
	pod.Annotations[annMutated] = "yes"
	c := &pod.Spec.Containers[0]
	if c.Resources.Limits == nil {
		c.Resources.Limits = corev1.ResourceList{}
	}
	c.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("100m")
	return policy.MutationResult{Applied: []string{"IGR901"}, Notes: []string{"IGR901: set a CPU limit"}}, nil
}

// fakePolicy returns a Policy holding e.
func fakePolicy(e Evaluator) *Policy {
	p := NewPolicy(nil, nil)
	p.Set(e)
	return p
}

func fakeOptions() Options {
	return Options{Policy: fakePolicy(fakeEngine{}), Decode: manifest.FromJSON}
}

// podJSON returns a pod with the given annotations; extra is spliced into
// the first container to carry fields the Go types do not know.
func podJSON(ann map[string]string, extra string) []byte {
	annJSON, _ := json.Marshal(ann)
	return []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":` + string(annJSON) +
		`},"spec":{"containers":[{"name":"app","image":"nginx"` + extra + `}]}}`)
}

// request builds an admission request for raw.
func request(op admissionv1.Operation, kind metav1.GroupVersionKind, ns string, raw []byte) admissionv1.AdmissionRequest {
	return admissionv1.AdmissionRequest{
		UID: types.UID("uid-" + string(op)), Kind: kind, Operation: op, Namespace: ns, Name: "p",
		Object: runtime.RawExtension{Raw: raw},
	}
}

var podKind = metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}

// reviewBody encodes req in a v1 AdmissionReview.
func reviewBody(t testing.TB, req admissionv1.AdmissionRequest) []byte {
	t.Helper()
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve posts body to h and returns the recorder.
func serve(h http.Handler, body []byte, contentType string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decodeResponse parses a 200 review response and checks the contract the
// API server enforces: v1 AdmissionReview, uid echoed, patchType iff patch,
// no patch from a validating webhook, warnings within MaxWarningLength.
func decodeResponse(t testing.TB, body []byte, uid types.UID, validating bool) *admissionv1.AdmissionResponse {
	t.Helper()
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, body)
	}
	checkContract(t, &review, uid, validating)
	return review.Response
}

func checkContract(t testing.TB, review *admissionv1.AdmissionReview, uid types.UID, validating bool) {
	t.Helper()
	if review.APIVersion != "admission.k8s.io/v1" || review.Kind != "AdmissionReview" {
		t.Fatalf("response is %s %s, want admission.k8s.io/v1 AdmissionReview", review.APIVersion, review.Kind)
	}
	resp := review.Response
	if resp == nil {
		t.Fatal("review has no response")
	}
	if resp.UID != uid {
		t.Errorf("response uid %q, want %q", resp.UID, uid)
	}
	if (len(resp.Patch) > 0) != (resp.PatchType != nil) {
		t.Errorf("patchType %v with %d patch bytes: patchType must be set iff there is a patch", resp.PatchType, len(resp.Patch))
	}
	if validating && len(resp.Patch) > 0 {
		t.Error("validating webhook returned a patch")
	}
	if !resp.Allowed && (resp.Result == nil || resp.Result.Message == "") {
		t.Error("denial without a message")
	}
	for _, w := range resp.Warnings {
		if len(w) > MaxWarningLength {
			t.Errorf("warning of %d bytes exceeds %d: %q", len(w), MaxWarningLength, w)
		}
	}
}
