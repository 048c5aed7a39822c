package workspace

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestLogCacheKey: a vault's log cache key is made on first use (32
// random bytes, 0600 in a 0700 directory of the configuration directory)
// and is the same afterwards, also when made by several at once; another
// vault has another; a key file or directory open to others, or a file
// that is not a key, is ErrLogCacheKey.
func TestLogCacheKey(t *testing.T) {
	cfg := t.TempDir()
	h := Home{Getenv: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfg
		}
		return ""
	}}
	const loc = "s3://bucket/app/prod at http://127.0.0.1:9000"
	if k, err := h.LogCacheKey(loc, "prod", false); k != nil || err != nil {
		t.Fatalf("LogCacheKey, none made: %x %v", k, err)
	}
	if _, err := os.Stat(filepath.Join(cfg, "vsync")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LogCacheKey without create made a directory: %v", err)
	}
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := h.LogCacheKey(loc, "prod", true)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != logCacheKeySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys differ: %x", keys)
		}
	}
	again, err := h.LogCacheKey(loc, "prod", false)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("second LogCacheKey: %x %v", again, err)
	}
	if other, err := h.LogCacheKey("s3://other/app/prod", "prod", true); err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another vault's key: %x %v", other, err)
	}
	dir := filepath.Join(cfg, "vsync", "log-keys")
	files, err := filepath.Glob(filepath.Join(dir, "prod-*"))
	if err != nil || len(files) != 2 {
		t.Fatalf("key files %v %v", files, err)
	}
	sum := sha256.Sum256([]byte(loc))
	path := filepath.Join(dir, "prod-"+hex.EncodeToString(sum[:12]))
	other := files[0]
	if other == path {
		other = files[1]
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v %v", fi.Mode(), err)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v %v", di.Mode(), err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	for name, spoil := range map[string]func(path string) error{
		"file readable by others":      func(p string) error { return os.Chmod(p, 0o644) },
		"directory writable by others": func(string) error { return os.Chmod(dir, 0o777) },
		"not a key":                    func(p string) error { return os.WriteFile(p, []byte("short"), 0o600) },
		"a symlink":                    func(p string) error { os.Remove(p); return os.Symlink(other, p) },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := h.LogCacheKey(loc, "prod", true); err != nil {
				t.Fatal(err)
			}
			if err := spoil(path); err != nil {
				t.Fatal(err)
			}
			defer func() {
				os.Chmod(dir, 0o700)
				os.Remove(path)
			}()
			if k, err := h.LogCacheKey(loc, "prod", false); !errors.Is(err, ErrLogCacheKey) {
				t.Errorf("LogCacheKey: %x %v, want ErrLogCacheKey", k, err)
			}
		})
	}
}
