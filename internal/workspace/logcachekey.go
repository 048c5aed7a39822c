package workspace

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// logCacheKeySize is the size of a log cache key, random bytes.
const logCacheKeySize = 32

// ErrLogCacheKey: the file or directory of a vault's log cache key is not
// private (not the user's, or open to others), or the file is not a key.
var ErrLogCacheKey = errors.New("log cache key is not private")

// LogCacheKey returns the key that, with the passphrase, authenticates
// `vsync log`'s cache file of the vault at location (internal/logcache):
// 32 random bytes in $XDG_CONFIG_HOME/vsync/log-keys/ENV-HASH (named as
// the passphrase store names a vault's file), made when there is none and
// create is true; else nil when there is none (no file nor directory is
// made). It lives beside the passphrase store, which holds more, and
// salts what the cache derives from the passphrase: a copy of the cache
// file alone tests no guess of the passphrase. The directory is created
// 0700; it must be the user's and writable by nobody else, the file the
// user's, 0600 and a key, else ErrLogCacheKey. Two processes making it at
// once agree on one (the file appears whole, by a link that fails when it
// exists).
func (h Home) LogCacheKey(location, env string, create bool) ([]byte, error) {
	dir, err := h.ConfigDir()
	if err != nil {
		return nil, err
	}
	dir = filepath.Join(dir, "log-keys")
	if create {
		if dir, err = h.ensureConfigDir("log-keys"); err != nil {
			return nil, fmt.Errorf("log cache key: %w", err)
		}
	}
	if err := checkPrivate(dir, true); err != nil {
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	path := filepath.Join(dir, VaultFileName(location, env))
	key, err := readLogCacheKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if !create {
		return nil, nil
	}
	if err := makeLogCacheKey(path); err != nil {
		return nil, fmt.Errorf("log cache key %q: %w", path, err)
	}
	return readLogCacheKey(path)
}

// readLogCacheKey reads the key at path, checked private (not through a
// symbolic link).
func readLogCacheKey(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%q: %w: a symbolic link", path, ErrLogCacheKey)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("log cache key %q: %w", path, err)
	}
	if err := checkPrivateInfo(path, fi, false); err != nil {
		return nil, err
	}
	key := make([]byte, logCacheKeySize+1)
	n, err := io.ReadFull(f, key)
	if n != logCacheKeySize || err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("log cache key %q: %w: not %d bytes", path, ErrLogCacheKey, logCacheKeySize)
	}
	return key[:n], nil
}

// makeLogCacheKey writes a new random key at path, unless there is one:
// through a temporary file (0600) linked to path, which fails when path
// exists (another process made it first: no error).
func makeLogCacheKey(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".key.tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(randomKey())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// randomKey is a new log cache key.
func randomKey() []byte {
	k := make([]byte, logCacheKeySize)
	rand.Read(k) // never fails (crypto/rand)
	return k
}

// checkPrivate checks that path (a directory when dir) is the user's and
// open to nobody else (a directory: writable by nobody else).
func checkPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("log cache key: %w", err)
	}
	return checkPrivateInfo(path, fi, dir)
}

// checkPrivateInfo is checkPrivate of path described by fi.
func checkPrivateInfo(path string, fi fs.FileInfo, dir bool) error {
	open := fs.FileMode(0o077) // a key: nobody else reads it
	if dir {
		open = 0o022
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case dir && !fi.IsDir(), !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%q: %w: not a regular file or directory", path, ErrLogCacheKey)
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%q: %w: it belongs to uid %d, not to you (uid %d)", path, ErrLogCacheKey, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&open != 0:
		return fmt.Errorf("%q: %w: open to group or others (mode %04o)", path, ErrLogCacheKey, fi.Mode().Perm())
	}
	return nil
}
