package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseServeFlags(t *testing.T) {
	tests := []struct {
		desc    string
		args    []string
		wantErr string
		check   func(t *testing.T, f *serveFlags)
	}{
		{desc: "defaults match the shared contract", check: func(t *testing.T, f *serveFlags) {
			if f.port != 9443 || f.healthAddr != ":8081" || f.metricsAddr != ":8080" || f.certMode != "file" ||
				f.certDir != "/tls" || f.secretName != "istio-guardrail-tls" || f.webhookConfigName != "istio-guardrail" ||
				f.serviceName != "istio-guardrail" || f.tlsMinVersion != "1.2" || f.enableHTTP2 ||
				f.maxRequestBytes != 3145728 || f.logFormat != "json" || f.logLevel != "info" || f.shutdownGrace != 15*time.Second {
				t.Errorf("unexpected defaults: %+v", f)
			}
		}},
		{desc: "repeatable extra SANs", args: []string{"--cert-mode=self-managed", "--extra-san=127.0.0.1", "--extra-san", "localhost"},
			check: func(t *testing.T, f *serveFlags) {
				if strings.Join(f.extraSANs, ",") != "127.0.0.1,localhost" {
					t.Errorf("extraSANs = %v", f.extraSANs)
				}
			}},
		{desc: "unknown cert mode", args: []string{"--cert-mode=vault"}, wantErr: "--cert-mode"},
		{desc: "unsupported TLS version", args: []string{"--tls-min-version=1.1"}, wantErr: "TLS version"},
		{desc: "bad log format", args: []string{"--log-format=xml"}, wantErr: "--log-format"},
		{desc: "bad log level", args: []string{"--log-level=trace"}, wantErr: "--log-level"},
		{desc: "non-positive body cap", args: []string{"--max-request-bytes=0"}, wantErr: "--max-request-bytes"},
		{desc: "negative in-flight cap", args: []string{"--max-inflight-bytes=-1"}, wantErr: "--max-inflight-bytes"},
		{desc: "zero connection cap", args: []string{"--max-connections=0"}, wantErr: "--max-connections"},
		{desc: "negative per-source byte share", args: []string{"--max-inflight-bytes-per-source=-1"}, wantErr: "--max-inflight-bytes-per-source"},
		{desc: "negative per-source connection quota", args: []string{"--max-connections-per-source=-1"}, wantErr: "--max-connections-per-source"},
		{desc: "per-source shares", args: []string{"--max-inflight-bytes-per-source=5000000", "--max-connections-per-source=100"},
			check: func(t *testing.T, f *serveFlags) {
				if f.maxInflightBytesPerSource != 5000000 || f.maxConnectionsPerSource != 100 {
					t.Errorf("per-source shares = %d bytes, %d connections", f.maxInflightBytesPerSource, f.maxConnectionsPerSource)
				}
			}},
		{desc: "stray argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
		{desc: "unknown flag", args: []string{"--nope"}, wantErr: "unknown flag: --nope"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Setenv("POD_NAMESPACE", "")
			f, err := parseServeFlags(tc.args, &bytes.Buffer{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseServeFlags: %v", err)
			}
			tc.check(t, f)
		})
	}
}

func TestDefaultNamespace(t *testing.T) {
	tests := []struct {
		desc, env, want string
	}{
		{desc: "POD_NAMESPACE wins", env: "guard", want: "guard"},
		{desc: "fallback without POD_NAMESPACE", env: "", want: "istio-guardrail"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Setenv("POD_NAMESPACE", tc.env)
			if got := defaultNamespace(); got != tc.want {
				t.Errorf("defaultNamespace() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunServeRejectsBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	if code := runServe([]string{"--cert-mode=bogus"}, nil, &bytes.Buffer{}, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "--cert-mode") {
		t.Errorf("stderr %q does not name the bad flag", stderr.String())
	}
}

func TestSelfManagedModeNeedsAPIAccess(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	f, err := parseServeFlags([]string{"--cert-mode=self-managed", "--kubeconfig=/nonexistent"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := newLogger("console", "info")
	if err := serve(t.Context(), f, log); err == nil || !strings.Contains(err.Error(), "self-managed") {
		t.Fatalf("serve error = %v, want one about self-managed mode needing API access", err)
	}
}
