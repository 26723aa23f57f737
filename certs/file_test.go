package certs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/istio-guardrail/istio-guardrail/internal/testpki"
)

func TestNewFileSource(t *testing.T) {
	good := testPair(t, "svc.ns.svc", time.Time{})
	other := testPair(t, "other", time.Time{})
	tests := []struct {
		desc    string
		cert    []byte
		key     []byte
		wantErr bool
	}{
		{desc: "valid pair loads", cert: good.CertPEM, key: good.KeyPEM},
		{desc: "mismatched key is rejected", cert: good.CertPEM, key: other.KeyPEM, wantErr: true},
		{desc: "garbage is rejected", cert: []byte("not pem"), key: []byte("nope"), wantErr: true},
		{desc: "missing files are rejected", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			dir := t.TempDir()
			if tc.cert != nil {
				writePair(t, dir, filePair{KeyPair: testpki.KeyPair{CertPEM: tc.cert, KeyPEM: tc.key}})
			}
			f, err := NewFileSource(dir, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewFileSource() error = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if !f.Healthy() {
				t.Error("Healthy() = false after a valid pair loaded")
			}
			if c, gerr := f.GetCertificate(nil); gerr != nil || c == nil {
				t.Errorf("GetCertificate() = %v, %v", c, gerr)
			}
		})
	}
}

// TestFileSourceRotationKeepsLastGood rotates a Secret volume the way
// kubelet does when cert-manager renews the Secret. The resync is an hour, so
// only the file events can reload it.
func TestFileSourceRotationKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	first := testPair(t, "first", time.Time{})
	second := testPair(t, "second", time.Now().Add(2*time.Hour))
	project(t, dir, 1, first)
	f, err := NewFileSource(dir, nil, WithResync(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.Start(t.Context()) }()
	served := func() []byte {
		c, err := f.GetCertificate(nil)
		if err != nil {
			t.Fatalf("GetCertificate: %v", err)
		}
		return c.Certificate[0]
	}
	if !f.Healthy() || !bytes.Equal(served(), first.leaf.Raw) {
		t.Fatal("first certificate not served")
	}
	time.Sleep(200 * time.Millisecond) // let Start add its watches

	// A bad write (truncated certificate) keeps the first pair.
	if err := os.WriteFile(filepath.Join(dir, CertFileName), first.CertPEM[:20], 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if !bytes.Equal(served(), first.leaf.Raw) || !f.Healthy() {
		t.Fatal("a bad write replaced the last good certificate")
	}

	project(t, dir, 2, second)
	eventually(t, 3*time.Second, "rotated certificate", func() bool {
		return bytes.Equal(served(), second.leaf.Raw)
	})
	if got, want := f.Expiry(), second.leaf.NotAfter; !got.Equal(want) {
		t.Errorf("Expiry() = %v, want %v", got, want)
	}
}

// project writes p into dir the way kubelet's AtomicWriter updates a Secret
// volume: the files go into a fresh ..gen_N directory, the ..data symlink is
// swapped to it atomically, tls.* point through ..data, and the previous
// generation is removed.
func project(t *testing.T, dir string, gen int, p filePair) {
	t.Helper()
	genDir := fmt.Sprintf("..gen_%d", gen)
	if err := os.Mkdir(filepath.Join(dir, genDir), 0o700); err != nil {
		t.Fatal(err)
	}
	writePair(t, filepath.Join(dir, genDir), p)
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(genDir, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{CertFileName, KeyFileName} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
	}
	if gen > 1 {
		if err := os.RemoveAll(filepath.Join(dir, fmt.Sprintf("..gen_%d", gen-1))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileSourceExpiredIsUnhealthy(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, testPair(t, "expired", time.Now().Add(-time.Hour)))
	f, err := NewFileSource(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Healthy() {
		t.Error("Healthy() = true for an expired leaf")
	}
}
