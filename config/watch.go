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
// ignored. Watch returns when ctx is done.
func Watch(ctx context.Context, path string, interval time.Duration, onChange func(*Config), onError func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	defer func() { _ = w.Close() }()
	if err := w.Add(filepath.Dir(path)); err != nil {
		return fmt.Errorf("watch config dir: %w", err)
	}
	last, _ := os.ReadFile(path)
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
		last = data
		cfg, err := Parse(data)
		if err != nil {
			onError(fmt.Errorf("config %s: %w", path, err))
			return
		}
		cfg.Source = path
		onChange(cfg)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.Events:
			// Coalesce the burst of events a write or a symlink swap makes.
			time.Sleep(50 * time.Millisecond)
			drain(w.Events)
			reload()
		case err := <-w.Errors:
			onError(fmt.Errorf("watch config: %w", err))
		case <-ticker.C:
			reload()
		}
	}
}

func drain(ch <-chan fsnotify.Event) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
