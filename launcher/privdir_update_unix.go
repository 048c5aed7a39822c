//go:build unix

package launcher

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// stagePrefix starts the name of a file Stage writes before Commit renames
// it into place.
const stagePrefix = ".vsync-new-"

// FilePath returns the path WriteFile gives the file name (a local,
// slash-separated path); it does not check name or touch the disk.
func (d *PrivateDir) FilePath(name string) string {
	return filepath.Join(d.path, filepath.FromSlash(name))
}

// Update is a change to the files of a PrivateDir that a running child
// may be reading: made by Stage, applied by Commit, or dropped by Discard.
// It holds a descriptor of the directory of each file it changes, and
// works through those only.
type Update struct {
	writes  []stagedFile
	removes []stagedFile // tmp unused
}

// stagedFile is one file written under the temporary name tmp in the
// directory open as dir, to be renamed to name there.
type stagedFile struct {
	dir       int
	tmp, name string
}

// Stage writes each file of write (name to content; names as for
// WriteFile) under a temporary name in the directory it will live in
// (parents are created 0700), mode 0600, so that Commit can put each in
// place with a single rename: a reader opening the file sees the old
// content or the new, never a part, and the path does not change. remove
// lists files Commit deletes. When a write fails Stage removes what it
// wrote and returns the error: nothing visible has changed. Errors name
// files, never contents.
func (d *PrivateDir) Stage(write map[string][]byte, remove []string) (*Update, error) {
	u := &Update{}
	fail := func(name string, err error) (*Update, error) {
		u.Discard()
		return nil, fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	if d.lock == nil {
		return fail("", errors.New("directory removed"))
	}
	for name, data := range write {
		dir, leaf, err := splitLocal(name)
		if err != nil {
			u.Discard()
			return nil, err
		}
		fd, err := walkAt(d.dirfd(), dir, true)
		if err != nil {
			return fail(name, err)
		}
		tmp, err := writeStaged(fd, data)
		if err != nil {
			unix.Close(fd)
			return fail(name, err)
		}
		u.writes = append(u.writes, stagedFile{dir: fd, tmp: tmp, name: leaf})
	}
	for _, name := range remove {
		dir, leaf, err := splitLocal(name)
		if err != nil {
			u.Discard()
			return nil, err
		}
		fd, err := walkAt(d.dirfd(), dir, false)
		if errors.Is(err, unix.ENOENT) {
			continue // already gone
		}
		if err != nil {
			return fail(name, err)
		}
		u.removes = append(u.removes, stagedFile{dir: fd, name: leaf})
	}
	return u, nil
}

// writeStaged writes data to a new 0600 file with a random name in the
// directory dirfd and returns the name.
func writeStaged(dirfd int, data []byte) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	tmp := stagePrefix + hex.EncodeToString(rnd[:])
	if err := createAt(dirfd, tmp, data); err != nil {
		return "", err
	}
	return tmp, nil
}

// Commit renames every staged file into place, replacing the file there,
// then deletes the files to remove (one already gone is not an error). It
// stops at the first failure, which can only come from the file system
// (a directory now where a file was), and returns it; the staged files
// not renamed yet are removed.
func (u *Update) Commit() error {
	for i, w := range u.writes {
		if err := unix.Renameat(w.dir, w.tmp, w.dir, w.name); err != nil {
			u.writes = u.writes[i:]
			u.Discard()
			return fmt.Errorf("launcher: replace private file %q: %w", w.name, err)
		}
		unix.Close(w.dir)
	}
	u.writes = nil
	for i, r := range u.removes {
		err := removeAt(r.dir, r.name)
		if err != nil {
			u.removes = u.removes[i:]
			u.Discard()
			return fmt.Errorf("launcher: remove private file %q: %w", r.name, err)
		}
		unix.Close(r.dir)
	}
	u.removes = nil
	return nil
}

// Discard removes the staged files and leaves the directory as it was.
// Calling it after Commit, or twice, does nothing.
func (u *Update) Discard() {
	for _, w := range u.writes {
		_ = unix.Unlinkat(w.dir, w.tmp, 0)
		unix.Close(w.dir)
	}
	for _, r := range u.removes {
		unix.Close(r.dir)
	}
	u.writes, u.removes = nil, nil
}

// MoveTo renames the entry name at the top of d (a file or the status
// socket: a listening socket keeps listening under its new name) to the
// same name in to, replacing what is there. vsync run --watch uses it to
// carry its status socket into a fresh private directory.
func (d *PrivateDir) MoveTo(name string, to *PrivateDir) error {
	dir, leaf, err := splitLocal(name)
	if err != nil || dir != "." {
		return fmt.Errorf("launcher: move %q: not a name", name)
	}
	if d.lock == nil || to.lock == nil {
		return fmt.Errorf("launcher: move %q: directory removed", name)
	}
	if err := unix.Renameat(d.dirfd(), leaf, to.dirfd(), leaf); err != nil {
		return fmt.Errorf("launcher: move %q: %w", name, err)
	}
	return nil
}
