package certs

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

// trustOf is a BundleTrust of s that re-reads the bundle on every call.
func trustOf(c kubernetes.Interface, s Source) *BundleTrust {
	return NewBundleTrust(c, testHook, s.GetCertificate, time.Nanosecond)
}

// TestBundleTrustFollowsTheRollover: during a CA rollover's overlap both the
// replica that moved to the new CA and the one still serving a leaf of the
// old CA are Ready; once the overlap has passed and the bundle holds only
// the new CA, the replica that missed the rollover is not Ready (and says
// why), the other one is.
func TestBundleTrustFollowsTheRollover(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	overlap := func(o *SelfManagedOptions) { o.CAOverlap = 300 * time.Millisecond }
	a, b := replica(t, c, overlap), replica(t, c, overlap)
	mustSync(t, a)
	mustSync(t, b)
	ta, tb := trustOf(c, a), trustOf(c, b)
	for name, tr := range map[string]*BundleTrust{"a": ta, "b": tb} {
		if err := tr.Ready(); err != nil {
			t.Errorf("replica %s before the rollover: %v", name, err)
		}
	}
	rekey(t, c)
	mustSync(t, a)
	if err := ta.Ready(); err != nil {
		t.Errorf("replica a serving the new CA's leaf: %v", err)
	}
	if err := tb.Ready(); err != nil {
		t.Errorf("replica b serving the old CA's leaf during the overlap: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	mustSync(t, a) // the overlap has passed: the bundle holds the new CA only
	if err := ta.Ready(); err != nil {
		t.Errorf("replica a after the overlap: %v", err)
	}
	err := tb.Ready()
	if err == nil {
		t.Fatal("replica b, still serving a leaf of the retired CA, is Ready")
	}
	for _, want := range []string{"ValidatingWebhookConfiguration istio-guardrail webhook a.example.io", "MutatingWebhookConfiguration", "does not chain to the caBundle"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("readiness error %q does not mention %q", err, want)
		}
	}
	mustSync(t, b) // b picks up the new leaf: Ready again
	if err := tb.Ready(); err != nil {
		t.Errorf("replica b after picking up the new leaf: %v", err)
	}
}

// setBundle overwrites the caBundle of one validating webhook.
func setBundle(t *testing.T, c kubernetes.Interface, webhook int, bundle []byte) {
	t.Helper()
	v, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), testHook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v.Webhooks[webhook].ClientConfig.CABundle = bundle
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(t.Context(), v, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestBundleTrustCases(t *testing.T) {
	other, err := testpki.NewCA("someone else's CA")
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := other.CertPEM
	tests := []struct {
		desc    string
		objects []runtime.Object
		edit    func(t *testing.T, c kubernetes.Interface, ours []byte)
		wantErr string // "" = Ready
	}{
		{desc: "bundle injected by the replica", objects: webhookConfigs(testHook)},
		{desc: "bundle with another CA before ours", objects: webhookConfigs(testHook),
			edit: func(t *testing.T, c kubernetes.Interface, ours []byte) {
				setBundle(t, c, 1, append(append([]byte(nil), otherPEM...), ours...))
			}},
		{desc: "one webhook's bundle replaced by another CA", objects: webhookConfigs(testHook),
			edit:    func(t *testing.T, c kubernetes.Interface, _ []byte) { setBundle(t, c, 1, otherPEM) },
			wantErr: "webhook b.example.io: served leaf"},
		{desc: "one webhook's bundle emptied", objects: webhookConfigs(testHook),
			edit:    func(t *testing.T, c kubernetes.Interface, _ []byte) { setBundle(t, c, 0, nil) },
			wantErr: "webhook a.example.io: caBundle holds no certificate"},
		{desc: "no webhook configurations: nothing routes here", objects: nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := fake.NewClientset(tc.objects...)
			s := replica(t, c, nil)
			mustSync(t, s)
			if tc.edit != nil {
				tc.edit(t, c, injectedBundle(t, c))
			}
			err := trustOf(c, s).Ready()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("not Ready: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Ready() = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// TestBundleTrustKeepsVerdictWhenAPIFails: an unreadable configuration
// neither makes a trusted replica unready nor an untrusted one ready.
func TestBundleTrustKeepsVerdictWhenAPIFails(t *testing.T) {
	other, err := testpki.NewCA("someone else's CA")
	if err != nil {
		t.Fatal(err)
	}
	for _, trustedBefore := range []bool{true, false} {
		c := fake.NewClientset(webhookConfigs(testHook)...)
		s := replica(t, c, nil)
		mustSync(t, s)
		if !trustedBefore {
			setBundle(t, c, 0, other.CertPEM)
		}
		tr := trustOf(c, s)
		before := tr.Ready()
		if (before == nil) != trustedBefore {
			t.Fatalf("trusted=%v: Ready() = %v before the API failure", trustedBefore, before)
		}
		c.PrependReactor("get", "validatingwebhookconfigurations", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, errors.New("connection refused")
		})
		if after := tr.Ready(); (after == nil) != trustedBefore {
			t.Errorf("trusted=%v: Ready() = %v while the API fails, want the verdict before (%v)", trustedBefore, after, before)
		}
	}
}

// TestBundleTrustRechecksANewLeaf: the verdict is reused within the
// recheck interval only for the same leaf.
func TestBundleTrustRechecksANewLeaf(t *testing.T) {
	c := fake.NewClientset(webhookConfigs(testHook)...)
	s := replica(t, c, nil)
	mustSync(t, s)
	tr := NewBundleTrust(c, testHook, s.GetCertificate, time.Hour)
	if err := tr.Ready(); err != nil {
		t.Fatal(err)
	}
	gets := 0
	c.PrependReactor("get", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		gets++
		return false, nil, nil
	})
	_ = tr.Ready()
	if gets != 0 {
		t.Errorf("same leaf within the interval: %d GETs, want the cached verdict", gets)
	}
	rekey(t, c)
	mustSync(t, s) // a new leaf of a new CA
	gets = 0
	if err := tr.Ready(); err != nil {
		t.Errorf("new leaf, bundle updated: %v", err)
	}
	if gets == 0 {
		t.Error("a new leaf reused the old verdict")
	}
}
