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
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// privatePrefix starts the name of every private directory:
// "vsync-<pid>-<random>". A directory being created is named
// ".vsync-<pid>-<random>" until it is locked.
const privatePrefix = "vsync-"

// PrivateBase returns the directory under which private directories go: the
// first usable (an existing directory vsync may write to) of
// $XDG_RUNTIME_DIR, /dev/shm and $TMPDIR (else /tmp), so that secrets stay
// on tmpfs when one is available. getenv is usually os.Getenv. When none is
// usable it returns the last candidate, and NewPrivateDir reports why.
func PrivateBase(getenv func(string) string) string {
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	for _, d := range []string{getenv("XDG_RUNTIME_DIR"), "/dev/shm", tmp} {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && unix.Access(d, unix.W_OK|unix.X_OK) == nil {
			return d
		}
	}
	return tmp
}

// PrivateDir is a fresh directory, mode 0700, holding files of mode 0600.
// While it exists, the PrivateDir holds an flock on the directory itself;
// that lock, released by the kernel when vsync dies however it dies, is how
// CleanStale tells a live directory from one left behind. The descriptor
// carrying the lock is close-on-exec: children do not keep it.
type PrivateDir struct {
	path string
	lock *os.File
}

// NewPrivateDir creates and locks a new private directory under base
// (usually PrivateBase(os.Getenv)). It is created under a hidden name,
// locked, then renamed, so CleanStale never sees it unlocked.
func NewPrivateDir(base string) (*PrivateDir, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	name := privatePrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	tmp := filepath.Join(base, "."+name)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("launcher: private directory: %w", err)
	}
	lock, err := lockDir(tmp, true)
	if err == nil {
		// Exact modes whatever the umask.
		err = lock.Chmod(0o700)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(base, name))
	}
	if err != nil {
		if lock != nil {
			_ = lock.Close()
		}
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("launcher: private directory: %w", err)
	}
	return &PrivateDir{path: filepath.Join(base, name), lock: lock}, nil
}

// lockDir opens dir without following a symlink and takes an exclusive
// flock on it, waiting for it when wait is true.
func lockDir(dir string, wait bool) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// Path returns the directory's absolute path (as absolute as base was).
func (d *PrivateDir) Path() string { return d.path }

// WriteFile creates the file name (a local, slash-separated path such as
// "gcp-sa.json" or "tls/server.crt"; parents are created 0700) with mode
// 0600 and content data, and returns its path. It never overwrites or
// follows a symlink (O_CREAT|O_EXCL|O_NOFOLLOW). Errors name the file,
// never the content.
func (d *PrivateDir) WriteFile(name string, data []byte) (string, error) {
	rel := filepath.FromSlash(name)
	if name == "" || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("launcher: private file %q: not a local path", name)
	}
	p := filepath.Join(d.path, rel)
	if err := d.mkdirs(filepath.Dir(rel)); err != nil {
		return "", fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	if err := createPrivate(p, data); err != nil {
		return "", fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	return p, nil
}

// createPrivate creates the file p, which must not exist (and is never
// followed if it is a symlink), with mode 0600 whatever the umask and
// content data. On failure nothing is left at p. The error names no path.
func createPrivate(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return unwrapPathError(err)
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(p)
		return unwrapPathError(err)
	}
	return nil
}

// mkdirs creates the relative directory rel inside d, each level 0700.
func (d *PrivateDir) mkdirs(rel string) error {
	if rel == "." {
		return nil
	}
	cur := d.path
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		err := os.Mkdir(cur, 0o700)
		if err == nil {
			err = os.Chmod(cur, 0o700)
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return unwrapPathError(err)
		}
		if fi, err := os.Lstat(cur); err != nil || !fi.IsDir() {
			return fmt.Errorf("%q is not a directory", part)
		}
	}
	return nil
}

// Remove deletes the directory and everything in it, then releases the
// lock. Calling it again does nothing.
func (d *PrivateDir) Remove() error {
	if d.lock == nil {
		return nil
	}
	err := os.RemoveAll(d.path)
	_ = d.lock.Close()
	d.lock = nil
	if err != nil {
		return fmt.Errorf("launcher: remove private directory: %w", err)
	}
	return nil
}

// CleanStale removes the private directories under base left by a vsync
// that is no longer running (one that was SIGKILLed): each
// "vsync-<pid>-<random>" directory owned by the current user whose lock can
// be taken, and each hidden one still being created whose pid is gone.
// Directories of a live vsync, including the caller's own, are left alone.
// It returns the paths it removed; errors for single entries are skipped
// (another vsync may be cleaning at the same time).
func CleanStale(base string) ([]string, error) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil, fmt.Errorf("launcher: clean stale: %w", err)
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		hidden := strings.HasPrefix(name, "."+privatePrefix)
		if !e.IsDir() || !(hidden || strings.HasPrefix(name, privatePrefix)) {
			continue
		}
		p := filepath.Join(base, name)
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
			continue
		}
		if hidden {
			if pid, ok := ownerPid(strings.TrimPrefix(name, ".")); ok && !alive(pid) && os.RemoveAll(p) == nil {
				removed = append(removed, p)
			}
			continue
		}
		lock, err := lockDir(p, false)
		if err != nil {
			continue // locked: its vsync is alive
		}
		if os.RemoveAll(p) == nil {
			removed = append(removed, p)
		}
		_ = lock.Close()
	}
	return removed, nil
}

// ownerPid parses the pid out of "vsync-<pid>-<random>".
func ownerPid(name string) (int, bool) {
	rest := strings.TrimPrefix(name, privatePrefix)
	pidStr, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidStr)
	return pid, err == nil && pid > 0
}

// alive reports whether a process pid exists.
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}
