package vault

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
	"vsync/internal/anonfile"
)

// DirStream writes a bundle's files under a directory as Open decrypts
// them (its Stream), so that the writes overlap the download, yet gives
// none of them a name before the bundle is authenticated: each file is
// written into an anonymous file (O_TMPFILE) in the directory it will
// live in, and Finish, once Open returned the bundle (the MDC matched,
// the files are the manifest's), links the checked ones to their names
// and makes the directory exactly what WriteDir makes. A process killed
// before leaves no plaintext under any name (the kernel frees unnamed
// files). Only the bundle's subdirectories are made early (empty, mode
// 0700). Where the filesystem has no anonymous files (or NoAnon), Create
// leaves every file out and Finish writes them from the checked bundle,
// as WriteDir. On any error the caller calls Close and removes the
// directory, and uses nothing in it.
type DirStream struct {
	dir    string
	Stream StreamFiles
	// NoAnon has Create leave every file out, as where the filesystem
	// has no anonymous files (tests).
	NoAnon  bool
	mu      sync.Mutex
	made    map[string]bool     // directories made, "." the top
	pending map[string]*os.File // the anonymous files made, by path
}

// NewDirStream creates dir (which must not exist; its parent must) with
// mode 0700 and returns a DirStream writing into it. On error nothing is
// created.
func NewDirStream(dir string) (*DirStream, error) {
	if err := mkdir0700(dir); err != nil {
		return nil, fmt.Errorf("creating %q: %w", dir, err)
	}
	d := &DirStream{dir: dir, made: map[string]bool{".": true}, pending: map[string]*os.File{}}
	d.Stream.Create = d.create
	return d, nil
}

// create makes the parents of rel (CheckPath accepted it), as WriteDir
// does, and an anonymous file in its directory, or leaves it out (nil)
// where there are none.
func (d *DirStream) create(rel string, size int64) (io.WriteCloser, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.NoAnon || d.pending == nil {
		return nil, nil
	}
	if _, dup := d.pending[rel]; dup {
		return nil, fmt.Errorf("%q: %w", rel, os.ErrExist)
	}
	if err := mkdirParents(d.dir, path.Dir(rel), d.made); err != nil {
		return nil, err
	}
	f, err := anonfile.Open(filepath.Join(d.dir, filepath.FromSlash(path.Dir(rel))))
	if errors.Is(err, anonfile.ErrUnsupported) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.pending[rel] = f
	return keepOpen{f}, nil
}

// keepOpen is what Create returns: Close leaves the anonymous file open
// for Finish to link.
type keepOpen struct{ io.Writer }

func (keepOpen) Close() error { return nil }

// Finish links the files Open wrote (listed in Stream.Written: at the
// place, path and size of the checked bundle's) to their names, gives
// them their modes (Mode & 0700, as WriteDir) and writes the others; a
// name already there is an error (linkat never replaces: EEXIST). When
// what was made is not exactly the checked files (an anonymous file not
// listed as written), it drops the anonymous files and starts the
// directory afresh with WriteDir. files are the bundle's, which Open
// returned.
func (d *DirStream) Finish(files []File) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	written := 0
	for _, f := range files {
		if d.Stream.Written[f.Path] && d.pending[f.Path] != nil {
			written++
		}
	}
	if written != len(d.pending) {
		d.closeLocked()
		if err := os.RemoveAll(d.dir); err != nil {
			return err
		}
		return WriteDir(d.dir, files)
	}
	defer d.closeLocked()
	for _, f := range files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
		p := filepath.Join(d.dir, filepath.FromSlash(f.Path))
		anon := d.pending[f.Path]
		if anon == nil {
			if err := mkdirParents(d.dir, path.Dir(f.Path), d.made); err != nil {
				return err
			}
			if err := writeFile(p, f); err != nil {
				return err
			}
			continue
		}
		if err := anonfile.Link(anon, p); err != nil {
			return fmt.Errorf("writing %q: %w", p, err)
		}
		if err := os.Chmod(p, f.Mode.Perm()&0o700); err != nil {
			return fmt.Errorf("writing %q: %w", p, err)
		}
	}
	return nil
}

// Close drops the anonymous files not linked (the kernel frees them).
// It does not remove the directory.
func (d *DirStream) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closeLocked()
}

// closeLocked closes the anonymous files; no file is made after.
func (d *DirStream) closeLocked() {
	for _, f := range d.pending {
		f.Close()
	}
	d.pending = nil
}
