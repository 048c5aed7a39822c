package bundlecache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrUnsafeDir: the cache directory belongs to someone else or others may
// write to it.
var ErrUnsafeDir = errors.New("unsafe cache directory")

// CheckDir refuses a cache directory (ErrUnsafeDir) not owned by the
// effective user, or that its group or others may write to: they could
// replace the cache file. A directory that does not exist yet is fine
// (Save creates it 0700).
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return nil // not a cache: Save fails (a warning), Load finds nothing
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("--cache %q: %w: it belongs to uid %d, not to you (uid %d)", dir, ErrUnsafeDir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("--cache %q: %w: writable by group or others (mode %04o)", dir, ErrUnsafeDir, fi.Mode().Perm())
	}
	return nil
}
