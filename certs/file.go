package certs

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// File names inside the certificate directory (the kubernetes.io/tls Secret keys).
const (
	CertFileName = "tls.crt"
	KeyFileName  = "tls.key"
)

// FileSource serves the key pair found in a directory, reloaded by
// controller-runtime's certwatcher: fsnotify on both files (re-armed after
// kubelet's and cert-manager's atomic symlink swaps) plus a poll as a safety
// net; a half-written or mismatched pair is not loaded and the last good one
// stays. Build it with NewFileSource.
type FileSource struct {
	w *certwatcher.CertWatcher
}

// FileOption configures a FileSource.
type FileOption func(*certwatcher.CertWatcher)

// WithResync sets how often the files are re-read even without a change event
// (certwatcher's default is ten seconds). It bounds the staleness if an event
// is ever missed.
func WithResync(d time.Duration) FileOption {
	return func(w *certwatcher.CertWatcher) { w.WithWatchInterval(d) }
}

// NewFileSource reads dir/tls.crt and dir/tls.key once and fails if they do
// not form a valid pair; the chart's Secret volume is not optional, so kubelet
// starts the container only once cert-manager has written them.
func NewFileSource(dir string, log *zap.Logger, opts ...FileOption) (*FileSource, error) {
	w, err := certwatcher.New(filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName))
	if err != nil {
		return nil, fmt.Errorf("load serving certificate from %s: %w", dir, err)
	}
	for _, o := range opts {
		o(w)
	}
	if log == nil {
		log = zap.NewNop()
	}
	w.RegisterCallback(func(c tls.Certificate) {
		if leaf := c.Leaf; leaf != nil {
			log.Info("serving certificate loaded", zap.String("dir", dir),
				zap.Strings("dnsNames", leaf.DNSNames), zap.Time("notAfter", leaf.NotAfter))
		}
	})
	return &FileSource{w: w}, nil
}

// Start implements Source: it watches the files until ctx is done.
func (f *FileSource) Start(ctx context.Context) error { return f.w.Start(ctx) }

// GetCertificate implements Source.
func (f *FileSource) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return f.w.GetCertificate(hello)
}

// Healthy implements Source: the loaded leaf has not expired.
func (f *FileSource) Healthy() bool { return healthy(f.current()) }

// Expiry implements Source.
func (f *FileSource) Expiry() time.Time { return expiry(f.current()) }

func (f *FileSource) current() *tls.Certificate {
	c, _ := f.w.GetCertificate(nil) // never fails
	return c
}

var _ Source = (*FileSource)(nil)
