package framework

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

var configGeneration atomic.Int64

// WriteConfigMapFile writes content to dir/name the way the kubelet updates a
// mounted ConfigMap: the data goes into a fresh hidden directory, the
// "..data" symlink is swapped atomically to it, dir/name is a symlink through
// "..data", and the previous data directory is removed. A server that only
// watches the file's inode misses such updates; one that watches the
// directory (as it should) sees them.
func WriteConfigMapFile(dir, name, content string) error {
	gen := "..gen-" + strconv.FormatInt(configGeneration.Add(1), 10)
	if err := os.MkdirAll(filepath.Join(dir, gen), 0o700); err != nil {
		return fmt.Errorf("create config data dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, gen, name), []byte(content), 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	tmp := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(gen, tmp); err != nil {
		return fmt.Errorf("link config data: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		return fmt.Errorf("swap config data: %w", err)
	}
	link := filepath.Join(dir, name)
	if _, err := os.Lstat(link); os.IsNotExist(err) {
		if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
			return fmt.Errorf("link config file: %w", err)
		}
	}
	if old != "" && old != gen {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return fmt.Errorf("remove old config data: %w", err)
		}
	}
	return nil
}
