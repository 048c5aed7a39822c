package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"golang.org/x/sys/unix"
)

// A pull stages the new folder of env ENV in infra/vault/.ENV.pull-N (see
// PullStage): N/new is the pulled content, N/old the folder it replaces
// once renamed aside. The pull holds an exclusive flock on the staging
// directory from its creation to its removal, so that a staging directory
// nobody holds a lock on is the leftover of a pull that was killed, and the
// next vault command in the project (RemoveStaleStages) deals with it
// without breaking a pull that is running.

// stageRE matches the name of a staging directory; its group is the env.
var stageRE = regexp.MustCompile(`^\.([a-z0-9][a-z0-9_-]*)\.pull-[0-9]+$`)

// makeStage creates a staging directory for env in parent and returns it
// with the function that releases its lock (after it is removed).
func makeStage(parent, env string) (string, func(), error) {
	for {
		stage, err := os.MkdirTemp(parent, "."+env+".pull-")
		if err != nil {
			return "", nil, err
		}
		f, err := lockDir(stage, unix.LOCK_EX)
		if err != nil {
			os.Remove(stage)
			return "", nil, err
		}
		// RemoveStaleStages may have locked it between MkdirTemp and
		// lockDir, and removed it: then make another.
		if sameDir(f, stage) {
			return stage, func() { f.Close() }, nil
		}
		f.Close()
	}
}

// RemoveStaleStages deals with the staging directories in parent that no
// running pull holds: a staging directory whose env folder is missing (the
// pull was killed between its two renames) has its old folder put back;
// every other one is removed, since it holds a plaintext copy of secrets.
// It returns what it did, one line each, for the operator.
func RemoveStaleStages(parent string) ([]string, error) {
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var done []string
	for _, e := range entries {
		m := stageRE.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		stage := filepath.Join(parent, e.Name())
		f, err := lockDir(stage, unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, fs.ErrNotExist) {
			continue // a pull is running, or it just finished
		}
		if err != nil {
			return done, err
		}
		what, err := clearStage(f, stage, filepath.Join(parent, m[1]))
		f.Close()
		if err != nil {
			return done, err
		}
		if what != "" {
			done = append(done, what)
		}
	}
	return done, nil
}

// clearStage handles one staging directory whose lock f holds.
func clearStage(f *os.File, stage, envDir string) (string, error) {
	if !sameDir(f, stage) {
		return "", nil // removed or replaced since it was listed
	}
	old := filepath.Join(stage, "old")
	if _, err := os.Lstat(old); err == nil {
		if _, err := os.Lstat(envDir); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(old, envDir); err != nil {
				return "", fmt.Errorf("putting back %q from %q: %w", envDir, old, err)
			}
			if err := os.RemoveAll(stage); err != nil {
				return "", err
			}
			return fmt.Sprintf("put back %q, which an interrupted pull had moved aside", envDir), nil
		}
	}
	if err := os.RemoveAll(stage); err != nil {
		return "", err
	}
	return fmt.Sprintf("removed %q, left by an interrupted pull", stage), nil
}

// lockDir opens directory dir, never through a symlink, and flocks it.
func lockDir(dir string, how int) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir)
	for {
		err = unix.Flock(fd, how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "flock", Path: dir, Err: err}
	}
	return f, nil
}

// sameDir reports whether path still names the directory f has open.
func sameDir(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}
