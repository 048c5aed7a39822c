//go:build unix

package s3bundle

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lock takes the root's flock, shared for readers and exclusive for
// writers, and returns its release. Each call opens the lock file anew:
// flock belongs to the open file description, so goroutines of one process
// exclude each other just as processes do.
func (d *Dir) lock(op, key string, exclusive bool) (func(), error) {
	p := filepath.Join(d.root, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil && !exclusive && (errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EROFS)) {
		// A read-only root: read under the lock if a writer ever made
		// one, else there is no writer to exclude.
		f, err = os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return func() {}, nil
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, d.missing(op, key)
		}
		return nil, d.opErr(op, key, nil, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	fd := int(f.Fd())
	for {
		err = unix.Flock(fd, how)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, d.opErr(op, key, nil, &fs.PathError{Op: "flock", Path: p, Err: err})
	}
	return func() {
		unix.Flock(fd, unix.LOCK_UN)
		f.Close()
	}, nil
}

func isNotDir(err error) bool { return errors.Is(err, unix.ENOTDIR) }
