//go:build unix

package launcher

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
type Update struct {
	writes  []stagedFile
	removes []string
}

// stagedFile is one file written under a temporary name.
type stagedFile struct{ tmp, dst string }

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
	for name, data := range write {
		rel := filepath.FromSlash(name)
		if name == "" || !filepath.IsLocal(rel) {
			u.Discard()
			return nil, fmt.Errorf("launcher: private file %q: not a local path", name)
		}
		if err := d.mkdirs(filepath.Dir(rel)); err != nil {
			u.Discard()
			return nil, fmt.Errorf("launcher: private file %q: %w", name, err)
		}
		dst := d.FilePath(name)
		tmp, err := writeStaged(filepath.Dir(dst), data)
		if err != nil {
			u.Discard()
			return nil, fmt.Errorf("launcher: private file %q: %w", name, err)
		}
		u.writes = append(u.writes, stagedFile{tmp: tmp, dst: dst})
	}
	for _, name := range remove {
		rel := filepath.FromSlash(name)
		if name == "" || !filepath.IsLocal(rel) {
			u.Discard()
			return nil, fmt.Errorf("launcher: private file %q: not a local path", name)
		}
		u.removes = append(u.removes, d.FilePath(name))
	}
	return u, nil
}

// writeStaged writes data to a new 0600 file with a random name in dir.
func writeStaged(dir string, data []byte) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, stagePrefix+hex.EncodeToString(rnd[:]))
	if err := createPrivate(tmp, data); err != nil {
		return "", err
	}
	return tmp, nil
}

// Commit renames every staged file into place, replacing the file there,
// then deletes the files to remove (one already gone is not an error). It
// stops at the first failure, which can only come from the file system
// (a directory now where a file was), and returns it.
func (u *Update) Commit() error {
	for i, w := range u.writes {
		if err := os.Rename(w.tmp, w.dst); err != nil {
			u.writes = u.writes[i:]
			u.Discard()
			return fmt.Errorf("launcher: replace private file: %w", unwrapPathError(err))
		}
	}
	u.writes = nil
	for _, p := range u.removes {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("launcher: remove private file: %w", unwrapPathError(err))
		}
	}
	u.removes = nil
	return nil
}

// Discard removes the staged files and leaves the directory as it was.
// Calling it after Commit, or twice, does nothing.
func (u *Update) Discard() {
	for _, w := range u.writes {
		_ = os.Remove(w.tmp)
	}
	u.writes, u.removes = nil, nil
}

// MoveTo renames the entry name at the top of d (a file or the status
// socket: a listening socket keeps listening under its new name) to the
// same name in to, replacing what is there. vsync run --watch uses it to
// carry its status socket into a fresh private directory.
func (d *PrivateDir) MoveTo(name string, to *PrivateDir) error {
	if name == "" || strings.ContainsRune(name, '/') || !filepath.IsLocal(name) {
		return fmt.Errorf("launcher: move %q: not a name", name)
	}
	if err := os.Rename(d.FilePath(name), to.FilePath(name)); err != nil {
		return fmt.Errorf("launcher: move %q: %w", name, unwrapPathError(err))
	}
	return nil
}
