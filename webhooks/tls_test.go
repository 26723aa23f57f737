package webhooks

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

func TestTLSHandshakePolicy(t *testing.T) {
	src, ca := selfManagedSource(t, time.Hour)
	tests := []struct {
		desc     string
		opts     TLSOptions
		client   func(*tls.Config)
		wantErr  bool
		wantALPN string
	}{
		{desc: "TLS 1.2 with ECDHE is accepted", client: func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
		{desc: "TLS 1.3 is accepted", client: func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }},
		{desc: "TLS 1.0 is refused", client: func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS10 }, wantErr: true},
		{desc: "TLS 1.1 is refused", client: func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS11, tls.VersionTLS11 }, wantErr: true},
		{desc: "TLS 1.2 is refused when the minimum is 1.3", opts: TLSOptions{MinVersion: tls.VersionTLS13},
			client: func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }, wantErr: true},
		{desc: "RSA key exchange is refused", client: func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_128_CBC_SHA}
		}, wantErr: true},
		{desc: "h2 is not negotiated by default", client: func(c *tls.Config) { c.NextProtos = []string{"h2", "http/1.1"} }, wantALPN: "http/1.1"},
		{desc: "h2-only client is refused by default", client: func(c *tls.Config) { c.NextProtos = []string{"h2"} }, wantErr: true},
		{desc: "h2 is negotiated when enabled", opts: TLSOptions{EnableHTTP2: true},
			client: func(c *tls.Config) { c.NextProtos = []string{"h2", "http/1.1"} }, wantALPN: "h2"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ts := startServer(t, ServerOptions{Certificates: src, TLS: tc.opts})
			cfg := clientTLS(t, ca)
			cfg.MinVersion = 0
			tc.client(cfg)
			conn, err := tls.Dial("tcp", ts.WebhookAddr(), cfg)
			if tc.wantErr {
				if err == nil {
					conn.Close()
					t.Fatal("handshake succeeded, want refusal")
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer conn.Close()
			if got := conn.ConnectionState().NegotiatedProtocol; got != tc.wantALPN {
				t.Errorf("ALPN = %q, want %q", got, tc.wantALPN)
			}
		})
	}
}

func TestTLSClientAuth(t *testing.T) {
	src, ca := selfManagedSource(t, time.Hour)
	cert, pool := clientCert(t)
	ts := startServer(t, ServerOptions{Certificates: src, TLS: TLSOptions{ClientCAs: pool}})
	url := "https://" + ts.WebhookAddr() + PathValidate
	req := request(admissionv1.Create, podKind, "app", podJSON(nil, ""))
	tests := []struct {
		desc    string
		certs   []tls.Certificate
		wantErr bool
	}{
		{desc: "client without a certificate is refused", wantErr: true},
		{desc: "client with a certificate from the CA is served", certs: []tls.Certificate{cert}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := clientTLS(t, ca)
			cfg.Certificates = tc.certs
			_, err := postReview(httpClient(cfg, false), url, req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestReadinessAndHealth(t *testing.T) {
	src, _ := selfManagedSource(t, time.Hour)
	empty := NewPolicy(nil, nil)
	ts := startServer(t, ServerOptions{Certificates: src, ReadyChecks: map[string]func() error{"config": empty.Ready}})
	get := func(path string) int {
		resp, err := http.Get("http://" + ts.HealthAddr() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", got)
	}
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz without a config = %d, want 503", got)
	}
	empty.Set(fakeEngine{})
	if got := get("/readyz"); got != http.StatusOK {
		t.Errorf("/readyz with a config = %d, want 200", got)
	}
}
