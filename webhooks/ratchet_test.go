package webhooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// podSpec describes a test pod: annotations drive fakeEngine; image stands
// for "the spec"; deleting sets metadata.deletionTimestamp.
type podSpec struct {
	ann        map[string]string
	image      string
	finalizers []string
	deleting   bool
}

// json encodes the pod as the API server would send it.
func (p podSpec) json(t *testing.T) []byte {
	t.Helper()
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "app", Annotations: p.ann, Finalizers: p.finalizers},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: p.image}}},
	}
	if p.deleting {
		pod.DeletionTimestamp = &metav1.Time{Time: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} // zero would encode as null
	}
	b, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// update builds an UPDATE request from before to after.
func update(t *testing.T, before, after podSpec) admissionv1.AdmissionRequest {
	req := request(admissionv1.Update, podKind, "app", after.json(t))
	req.OldObject = runtime.RawExtension{Raw: before.json(t)}
	return req
}

func TestValidatorRatchetsUpdates(t *testing.T) {
	deny := func(msgs string) map[string]string { return map[string]string{annDeny: msgs} }
	const held = "example.com/hold"
	long := strings.Repeat("a very long pre-existing violation ", 8)
	tests := []struct {
		desc         string
		req          admissionv1.AdmissionRequest
		noPolicy     bool
		wantAllowed  bool
		wantDecision string
		wantMsg      []string // substrings of the denial
		notInMsg     []string
		wantWarns    []string // prefixes of the warnings, in order
	}{
		{desc: "metadata-only update of a pre-existing violation is allowed with a warning",
			req:         update(t, podSpec{ann: deny("bad"), image: "a"}, podSpec{ann: map[string]string{annDeny: "bad", "team": "x"}, image: "a"}),
			wantAllowed: true, wantDecision: decisionPreexisting,
			wantWarns: []string{"pre-existing: IGR100 metadata.annotations: bad (fix: remove test.io/deny)"}},
		{desc: "a spec update gets the full verdict, pre-existing violations included (no widening through ratcheting)",
			req:         update(t, podSpec{ann: deny("bad"), image: "a"}, podSpec{ann: deny("bad"), image: "b"}),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100 metadata.annotations: bad"}},
		{desc: "a new violation is denied; the old one is only a warning",
			req:         update(t, podSpec{ann: deny("bad"), image: "a"}, podSpec{ann: deny("bad|worse"), image: "a"}),
			wantAllowed: false, wantDecision: "denied",
			wantMsg: []string{"IGR101 metadata.annotations: worse"}, notInMsg: []string{"IGR100"},
			wantWarns: []string{"pre-existing: IGR100"}},
		{desc: "the same rule and field with a new message is a new violation",
			req:         update(t, podSpec{ann: deny("bad"), image: "a"}, podSpec{ann: deny("badder"), image: "a"}),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100 metadata.annotations: badder"}},
		{desc: "a compliant object made non-compliant is denied",
			req:         update(t, podSpec{image: "a"}, podSpec{ann: deny("bad"), image: "a"}),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100"}},
		{desc: "warn findings stay warnings after the pre-existing ones",
			req: update(t, podSpec{ann: deny("bad"), image: "a"},
				podSpec{ann: map[string]string{annDeny: "bad", annWarn: "careful"}, image: "a"}),
			wantAllowed: true, wantDecision: decisionPreexisting,
			wantWarns: []string{"pre-existing: IGR100", "IGR200 metadata.annotations: careful"}},
		{desc: "a long pre-existing warning is truncated to the limit",
			req:         update(t, podSpec{ann: deny(long), image: "a"}, podSpec{ann: map[string]string{annDeny: long, "team": "x"}, image: "a"}),
			wantAllowed: true, wantDecision: decisionPreexisting, wantWarns: []string{"pre-existing: IGR100"}},
		{desc: "without an old object every finding denies",
			req:         request(admissionv1.Update, podKind, "app", podSpec{ann: deny("bad"), image: "a"}.json(t)),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100"}},
		{desc: "create is never ratcheted",
			req: func() admissionv1.AdmissionRequest {
				r := update(t, podSpec{ann: deny("bad"), image: "a"}, podSpec{ann: deny("bad"), image: "a"})
				r.Operation = admissionv1.Create
				return r
			}(),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100"}},
		{desc: "finalizer removal from a terminating object is allowed without evaluation",
			req: update(t, podSpec{ann: deny("bad"), image: "a", finalizers: []string{held}, deleting: true},
				podSpec{ann: deny("bad"), image: "a", deleting: true}),
			wantAllowed: true, wantDecision: decisionTerminating, wantWarns: []string{terminatingWarning}},
		{desc: "finalizer removal from a terminating object is allowed even before a config is loaded",
			req:      update(t, podSpec{image: "a", finalizers: []string{held}, deleting: true}, podSpec{image: "a", deleting: true}),
			noPolicy: true, wantAllowed: true, wantDecision: decisionTerminating, wantWarns: []string{terminatingWarning}},
		{desc: "a spec change of a terminating object still cannot add a violation",
			req: update(t, podSpec{image: "a", finalizers: []string{held}, deleting: true},
				podSpec{ann: deny("bad"), image: "b", finalizers: []string{held}, deleting: true}),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100"}},
		{desc: "a spec change of a terminating object gets the full verdict",
			req: update(t, podSpec{ann: deny("bad"), image: "a", finalizers: []string{held}, deleting: true},
				podSpec{ann: deny("bad"), image: "b", finalizers: []string{held}, deleting: true}),
			wantAllowed: false, wantDecision: "denied", wantMsg: []string{"IGR100"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			o := fakeOptions()
			o.Log = zap.New(core)
			if tc.noPolicy {
				o.Policy = NewPolicy(nil, nil)
			}
			w := serve(NewReviewHandler(NewValidator(o), 0, nil), reviewBody(t, tc.req), "application/json")
			if w.Code != http.StatusOK {
				t.Fatalf("HTTP %d, want 200: %s", w.Code, w.Body)
			}
			resp := decodeResponse(t, w.Body.Bytes(), tc.req.UID, true)
			if resp.Allowed != tc.wantAllowed {
				t.Errorf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			checkDenial(t, resp, tc.wantMsg, tc.notInMsg)
			checkWarnings(t, resp.Warnings, tc.wantWarns)
			checkDecisionLogged(t, logs, tc.wantDecision)
		})
	}
}

// checkDenial asserts the denial message contains want and none of notIn.
func checkDenial(t *testing.T, resp *admissionv1.AdmissionResponse, want, notIn []string) {
	t.Helper()
	msg := ""
	if resp.Result != nil {
		msg = resp.Result.Message
	}
	for _, m := range want {
		if !strings.Contains(msg, m) {
			t.Errorf("message %q does not contain %q", msg, m)
		}
	}
	for _, m := range notIn {
		if strings.Contains(msg, m) {
			t.Errorf("message %q contains %q, which pre-exists", msg, m)
		}
	}
}

// checkWarnings asserts the warnings start with the given prefixes, in order.
func checkWarnings(t *testing.T, got, prefixes []string) {
	t.Helper()
	if len(got) != len(prefixes) {
		t.Fatalf("warnings = %q, want %d", got, len(prefixes))
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(got[i], p) {
			t.Errorf("warning %d = %q, want prefix %q", i, got[i], p)
		}
	}
}

// checkDecisionLogged asserts the one decision log line carries decision.
func checkDecisionLogged(t *testing.T, logs *observer.ObservedLogs, decision string) {
	t.Helper()
	lines := logs.FilterMessage("admission decision").All()
	if len(lines) != 1 {
		t.Fatalf("%d decision log lines, want 1", len(lines))
	}
	if got := lines[0].ContextMap()["decision"]; got != decision {
		t.Errorf("logged decision %v, want %s", got, decision)
	}
}

func TestSameBeyondMetadata(t *testing.T) {
	tests := []struct {
		desc string
		a, b string
		want bool
	}{
		{desc: "identical", a: `{"kind":"Pod","spec":{"x":1}}`, b: `{"kind":"Pod","spec":{"x":1}}`, want: true},
		{desc: "metadata differs", a: `{"metadata":{"finalizers":["f"]},"spec":{"x":1}}`, b: `{"metadata":{},"spec":{"x":1}}`, want: true},
		{desc: "status differs", a: `{"spec":{"x":1},"status":{"phase":"Running"}}`, b: `{"spec":{"x":1}}`, want: true},
		{desc: "spec differs", a: `{"spec":{"x":1}}`, b: `{"spec":{"x":2}}`, want: false},
		{desc: "a top-level field added", a: `{"spec":{"x":1}}`, b: `{"spec":{"x":1},"data":{}}`, want: false},
		{desc: "a top-level field renamed", a: `{"spec":{"x":1}}`, b: `{"spex":{"x":1}}`, want: false},
		{desc: "old object missing", a: ``, b: `{"spec":{"x":1}}`, want: false},
		{desc: "null object", a: `null`, b: `null`, want: false},
		{desc: "invalid JSON", a: `{"spec":`, b: `{"spec":`, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := sameBeyondMetadata([]byte(tc.a), []byte(tc.b)); got != tc.want {
				t.Errorf("sameBeyondMetadata = %v, want %v", got, tc.want)
			}
		})
	}
}
