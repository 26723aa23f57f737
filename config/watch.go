package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch re-reads path whenever it may have changed and calls onChange with
// each new valid configuration, or onError when the new content is invalid
// (the caller keeps its last good configuration). It watches the file's
// directory, so the symlink swap the kubelet does for a mounted ConfigMap is
// seen, and also polls every interval as a safety net. Unchanged content is
// ignored. The current content is delivered once at start (see below).
// Watch returns when ctx is done.
func Watch(ctx context.Context, path string, interval time.Duration, onChange func(*Config), onError func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	defer func() { _ = w.Close() }()
	if err := w.Add(filepath.Dir(path)); err != nil {
		return fmt.Errorf("watch config dir: %w", err)
	}
	// Start from nothing seen and reload at once: the caller's initial load
	// happened before the watch was in place, and an update landing in
	// between must not be lost. Re-delivering the same valid config is
	// harmless; the caller's handlers are idempotent.
	var last []byte
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	reload := func() {
		data, err := os.ReadFile(path)
		if err != nil {
			onError(fmt.Errorf("read config: %w", err))
			return
		}
		if bytes.Equal(data, last) {
			return
		}
		cfg, err := Parse(data)
		if err != nil {
			// A non-atomic writer may still be mid-write: read once more
			// before reporting, so a half-written file is not counted as a
			// failed reload. (The kubelet's ConfigMap updates are atomic.)
			time.Sleep(settleDelay)
			if again, rerr := os.ReadFile(path); rerr == nil && !bytes.Equal(again, data) {
				data = again
				cfg, err = Parse(data)
			}
		}
		last = data
		if err != nil {
			onError(fmt.Errorf("config %s: %w", path, err))
			return
		}
		cfg.Source = path
		onChange(cfg)
	}
	reload()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.Events:
			// Coalesce the burst of events a write or a symlink swap makes.
			time.Sleep(settleDelay / 2)
			drain(w.Events)
			reload()
		case err := <-w.Errors:
			onError(fmt.Errorf("watch config: %w", err))
		case <-ticker.C:
			reload()
		}
	}
}

// settleDelay is how long Watch waits for a burst of writes to settle.
const settleDelay = 100 * time.Millisecond

func drain(ch <-chan fsnotify.Event) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
