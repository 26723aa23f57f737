package certs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFileSourceLoad(t *testing.T) {
	_, good := testPair(t, []string{"svc.ns.svc"}, time.Hour)
	_, other := testPair(t, []string{"other"}, time.Hour)
	tests := []struct {
		desc    string
		cert    []byte
		key     []byte
		wantErr bool
	}{
		{desc: "valid pair loads", cert: good.certPEM, key: good.keyPEM},
		{desc: "mismatched key is rejected", cert: good.certPEM, key: other.keyPEM, wantErr: true},
		{desc: "garbage is rejected", cert: []byte("not pem"), key: []byte("nope"), wantErr: true},
		{desc: "missing files are rejected", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			dir := t.TempDir()
			if tc.cert != nil {
				writePair(t, dir, tc.cert, tc.key)
			}
			f := NewFileSource(dir, nil)
			err := f.Load()
			if (err != nil) != tc.wantErr {
				t.Fatalf("Load() error = %v, wantErr %v", err, tc.wantErr)
			}
			if f.Healthy() == tc.wantErr {
				t.Errorf("Healthy() = %v after Load error %v", f.Healthy(), err)
			}
			if _, gerr := f.GetCertificate(nil); (gerr != nil) != tc.wantErr {
				t.Errorf("GetCertificate error = %v", gerr)
			}
		})
	}
}

func TestFileSourceRotationKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	_, first := testPair(t, []string{"first"}, time.Hour)
	_, second := testPair(t, []string{"second"}, 2*time.Hour)
	writePair(t, dir, first.certPEM, first.keyPEM)
	f := NewFileSource(dir, nil, WithResync(200*time.Millisecond))
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- f.Start(ctx) }()
	eventually(t, 2*time.Second, "first certificate", func() bool { return f.Healthy() })
	served := func() []byte {
		c, err := f.GetCertificate(nil)
		if err != nil {
			t.Fatalf("GetCertificate: %v", err)
		}
		return c.Certificate[0]
	}
	if !bytes.Equal(served(), first.pair.Certificate[0]) {
		t.Fatal("first certificate not served")
	}

	// A bad write (truncated certificate) keeps the first pair.
	if err := os.WriteFile(filepath.Join(dir, CertFileName), first.certPEM[:20], 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if !bytes.Equal(served(), first.pair.Certificate[0]) || !f.Healthy() {
		t.Fatal("a bad write replaced the last good certificate")
	}

	// An atomic symlink swap, as kubelet does for a mounted Secret.
	swapDir(t, dir, second)
	eventually(t, 3*time.Second, "rotated certificate", func() bool {
		return bytes.Equal(served(), second.pair.Certificate[0])
	})
	if got, want := f.Expiry(), second.pair.Leaf.NotAfter; !got.Equal(want) {
		t.Errorf("Expiry() = %v, want %v", got, want)
	}
}

// swapDir replaces dir/tls.* by symlinks into a fresh data directory, the
// way kubelet's AtomicWriter updates a projected Secret.
func swapDir(t *testing.T, dir string, p *leafPair) {
	t.Helper()
	data := filepath.Join(dir, "..data_new")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	writePair(t, data, p.certPEM, p.keyPEM)
	for _, name := range []string{CertFileName, KeyFileName} {
		tmp := filepath.Join(dir, name+".tmp")
		if err := os.Symlink(filepath.Join(data, name), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileSourceStartMissingDir(t *testing.T) {
	f := NewFileSource(filepath.Join(t.TempDir(), "absent"), nil)
	if err := f.Start(t.Context()); err == nil {
		t.Fatal("Start on a missing directory returned nil")
	}
}
