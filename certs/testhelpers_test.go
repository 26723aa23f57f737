package certs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testPair issues a leaf for sans from a fresh CA valid for life.
func testPair(t *testing.T, sans []string, life time.Duration) (*authority, *leafPair) {
	t.Helper()
	ca, err := newAuthority("test-ca", time.Hour, time.Now())
	if err != nil {
		t.Fatalf("newAuthority: %v", err)
	}
	leaf, err := ca.issue(sans, life, time.Now())
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	return ca, leaf
}

// writePair writes tls.crt and tls.key into dir.
func writePair(t *testing.T, dir string, certPEM, keyPEM []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, CertFileName), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFileName), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 20ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
