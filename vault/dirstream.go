package vault

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// DirStream writes a bundle's files under a directory as Open decrypts
// them (its Stream), so that the writes overlap the download: what
// WriteDir would write, but before the bundle is authenticated. Finish,
// once Open returned the bundle, makes the directory exactly what
// WriteDir makes; on any error the caller removes the directory, and
// uses nothing in it.
type DirStream struct {
	dir    string
	Stream StreamFiles
	mu     sync.Mutex
	made   map[string]bool // directories made, "." the top
	opened int             // files created
}

// NewDirStream creates dir (which must not exist; its parent must) with
// mode 0700 and returns a DirStream writing into it. On error nothing is
// created.
func NewDirStream(dir string) (*DirStream, error) {
	if err := mkdir0700(dir); err != nil {
		return nil, fmt.Errorf("creating %q: %w", dir, err)
	}
	d := &DirStream{dir: dir, made: map[string]bool{".": true}}
	d.Stream.Create = d.create
	return d, nil
}

// create makes the file at rel (CheckPath accepted it) and its parents,
// as WriteDir does but with mode 0600 for now.
func (d *DirStream) create(rel string, size int64) (io.WriteCloser, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opened++
	if err := mkdirParents(d.dir, path.Dir(rel), d.made); err != nil {
		return nil, err
	}
	p := filepath.Join(d.dir, filepath.FromSlash(rel))
	return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// Finish gives the files Open wrote their modes (Mode & 0700, as
// WriteDir) and writes the others; when what is there is not exactly the
// checked files (a file made but not listed in Stream.Written), it starts
// the directory afresh with WriteDir. files are the bundle's, which Open
// returned.
func (d *DirStream) Finish(files []File) error {
	d.mu.Lock()
	opened := d.opened
	d.mu.Unlock()
	written := 0
	for _, f := range files {
		if d.Stream.Written[f.Path] {
			written++
		}
	}
	if written != opened {
		if err := os.RemoveAll(d.dir); err != nil {
			return err
		}
		return WriteDir(d.dir, files)
	}
	for _, f := range files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
		p := filepath.Join(d.dir, filepath.FromSlash(f.Path))
		if !d.Stream.Written[f.Path] {
			if err := mkdirParents(d.dir, path.Dir(f.Path), d.made); err != nil {
				return err
			}
			if err := writeFile(p, f); err != nil {
				return err
			}
			continue
		}
		if err := os.Chmod(p, f.Mode.Perm()&0o700); err != nil {
			return fmt.Errorf("writing %q: %w", p, err)
		}
	}
	return nil
}
