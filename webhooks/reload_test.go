package webhooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Configurations for the reload test: IGR101 at deny or warn, and an invalid one.
const (
	configDeny    = "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: deny\n"
	configWarn    = "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: warn\n"
	configInvalid = "apiVersion: istio-guardrail.io/v1alpha1\nkind: GuardrailConfig\nrules:\n  IGR101:\n    action: sometimes\n"
)

var peerAuthKind = metav1.GroupVersionKind{Group: "security.istio.io", Version: "v1", Kind: "PeerAuthentication"}

// permissive is a PeerAuthentication IGR101 flags.
func permissive() admissionv1.AdmissionRequest {
	raw := []byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"PERMISSIVE"}}}`)
	return request(admissionv1.Create, peerAuthKind, "istio-system", raw)
}

// applyConfig is what the serve command does with each configuration.
func applyConfig(p *Policy, cfg *config.Config) {
	eng, err := policy.NewEngine(cfg.Settings)
	if err != nil {
		p.Reject(err)
		return
	}
	p.Set(eng)
}

func TestConfigReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	write := func(s string) { // atomically, as the kubelet updates a mounted ConfigMap
		tmp := filepath.Join(dir, ".config.tmp")
		if err := os.WriteFile(tmp, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(configDeny)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	pol := NewPolicy(nil, nil)
	applyConfig(pol, cfg)
	events := make(chan string, 16)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		_ = config.Watch(ctx, path, time.Second,
			func(c *config.Config) { applyConfig(pol, c); events <- "valid" },
			func(err error) { pol.Reject(err); events <- "invalid" })
	}()
	// Watch delivers the file present at start once (so an update racing
	// the initial load is never lost): consume that delivery first.
	select {
	case ev := <-events:
		if ev != "valid" {
			t.Fatalf("start-up delivery: watcher reported %s, want valid", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no start-up delivery within 5s")
	}

	src, ca := selfManagedSource(t, time.Hour)
	o := Options{Policy: pol, Decode: manifest.FromJSON}
	ts := startServer(t, ServerOptions{Certificates: src, Validator: NewValidator(o), Mutator: NewMutator(o)})
	client := httpClient(clientTLS(t, ca), true)
	url := "https://" + ts.WebhookAddr() + PathValidate
	stop := make(chan struct{})
	lr := startLoad(8, stop, func(int, int) error { _, err := postReview(client, url, permissive()); return err })

	verdict := func() string {
		resp, err := postReview(client, url, permissive())
		if err != nil {
			t.Fatalf("request failed: %v", err)
		}
		if !resp.Allowed {
			return "deny"
		}
		if len(resp.Warnings) == 1 && strings.HasPrefix(resp.Warnings[0], "IGR101") {
			return "warn"
		}
		return "allow"
	}
	steps := []struct {
		content, event, want string
	}{
		{configWarn, "valid", "warn"},
		{configInvalid, "invalid", "warn"},
		{configDeny, "valid", "deny"},
		{configInvalid, "invalid", "deny"},
		{configWarn, "valid", "warn"},
	}
	if got := verdict(); got != "deny" {
		t.Fatalf("initial verdict %s, want deny", got)
	}
	for i, s := range steps {
		write(s.content)
		select {
		case ev := <-events:
			if ev != s.event {
				t.Fatalf("step %d: watcher reported %s, want %s", i, ev, s.event)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("step %d: no reload within 5s", i)
		}
		for range 20 {
			if got := verdict(); got != s.want {
				t.Fatalf("step %d (%s config): verdict %s, want %s", i, s.event, got, s.want)
			}
		}
	}
	close(stop)
	lr.wait(t)
}
