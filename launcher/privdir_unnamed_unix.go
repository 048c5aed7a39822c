//go:build unix

package launcher

import (
	"fmt"
	"os"
	"path"
	"vsync/internal/anonfile"

	"golang.org/x/sys/unix"
)

// ErrNoUnnamed: the filesystem of the private directory, or the system,
// has no anonymous files (O_TMPFILE); write the file whole instead.
var ErrNoUnnamed = anonfile.ErrUnsupported

// UnnamedFile is a file of a PrivateDir that has no name yet
// (CreateUnnamed): written, then given its name by Link, or dropped by
// Discard.
type UnnamedFile struct {
	f         *os.File // nil once linked or discarded
	d         *PrivateDir
	dir, leaf string
}

// Write writes to the file.
func (u *UnnamedFile) Write(p []byte) (int, error) {
	if u.f == nil {
		return 0, os.ErrClosed
	}
	return u.f.Write(p)
}

// Link gives the file its name, through the directory's descriptor;
// something already at the name (a symlink included, not followed) is an
// error (EEXIST), as WriteFile's O_EXCL. The file is closed either way.
func (u *UnnamedFile) Link() error {
	if u.f == nil {
		return fmt.Errorf("launcher: private file %q: %w", path.Join(u.dir, u.leaf), os.ErrClosed)
	}
	defer u.Discard()
	if u.d.lock == nil {
		return fmt.Errorf("launcher: private file %q: directory removed", path.Join(u.dir, u.leaf))
	}
	parent, err := walkAt(u.d.dirfd(), u.dir, false)
	if err != nil {
		return fmt.Errorf("launcher: private file %q: %w", path.Join(u.dir, u.leaf), err)
	}
	defer unix.Close(parent)
	if err := anonfile.LinkAt(u.f, parent, u.leaf); err != nil {
		return fmt.Errorf("launcher: private file %q: %w", path.Join(u.dir, u.leaf), err)
	}
	return nil
}

// Discard closes the file if it was not linked: the kernel frees it.
func (u *UnnamedFile) Discard() {
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
}
