package certs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// File names inside the certificate directory (the kubernetes.io/tls Secret keys).
const (
	CertFileName = "tls.crt"
	KeyFileName  = "tls.key"
)

// FileSource serves the key pair found in a directory and reloads it when the
// files change. Build it with NewFileSource.
type FileSource struct {
	holder
	dir    string
	resync time.Duration
	log    *zap.Logger

	lastCert, lastKey []byte
}

// FileOption configures a FileSource.
type FileOption func(*FileSource)

// WithResync sets how often the files are re-read even without a change event
// (default one minute). It bounds the staleness if an event is ever missed.
func WithResync(d time.Duration) FileOption { return func(f *FileSource) { f.resync = d } }

// NewFileSource returns a source for dir/tls.crt and dir/tls.key.
func NewFileSource(dir string, log *zap.Logger, opts ...FileOption) *FileSource {
	f := &FileSource{dir: dir, resync: time.Minute, log: log}
	for _, o := range opts {
		o(f)
	}
	if f.log == nil {
		f.log = zap.NewNop()
	}
	return f
}

// Load reads the files once. Start calls it; callers may call it before
// Start to fail fast on a missing certificate, but not concurrently with it.
func (f *FileSource) Load() error {
	certPEM, err := os.ReadFile(filepath.Join(f.dir, CertFileName))
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(f.dir, KeyFileName))
	if err != nil {
		return fmt.Errorf("read key: %w", err)
	}
	if f.current() != nil && bytes.Equal(certPEM, f.lastCert) && bytes.Equal(keyPEM, f.lastKey) {
		return nil
	}
	pair, err := parsePair(certPEM, keyPEM, f.clock())
	if err != nil {
		return fmt.Errorf("load %s: %w", f.dir, err)
	}
	f.lastCert, f.lastKey = certPEM, keyPEM
	f.set(pair)
	f.log.Info("serving certificate loaded", zap.String("dir", f.dir),
		zap.Strings("dnsNames", pair.Leaf.DNSNames), zap.Time("notAfter", pair.Leaf.NotAfter))
	return nil
}

// Start implements Source: it loads the pair, then reloads it on every change
// in the directory and every resync period until ctx is done.
func (f *FileSource) Start(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("create certificate watcher: %w", err)
	}
	defer w.Close()
	if err := w.Add(f.dir); err != nil {
		return fmt.Errorf("watch %s: %w", f.dir, err)
	}
	f.reload()
	tick := time.NewTicker(f.resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-w.Events:
			if !ok {
				return nil
			}
			f.reload()
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			f.log.Warn("certificate watcher error", zap.Error(err))
		case <-tick.C:
			f.reload()
		}
	}
}

// reload loads the files and logs a failure; the last good pair stays.
func (f *FileSource) reload() {
	if err := f.Load(); err != nil {
		f.log.Warn("serving certificate not reloaded; keeping the last good one", zap.Error(err))
	}
}
