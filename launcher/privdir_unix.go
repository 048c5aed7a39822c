//go:build unix

package launcher

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"vsync/internal/anonfile"

	"golang.org/x/sys/unix"
)

// privatePrefix starts the name of every private directory:
// "vsync-<pid>-<random>". A directory being created is named
// ".vsync-<pid>-<random>" until it is locked.
const privatePrefix = "vsync-"

// PrivateBase returns the directory under which private directories go: the
// first usable of $XDG_RUNTIME_DIR, /dev/shm and $TMPDIR (else /tmp), so
// that secrets stay on tmpfs when one is available. Usable is an existing
// directory vsync may write to that is safe from other users (checkBase):
// owned by the effective user or by root, and, when others may write to
// it, sticky (as /tmp and /dev/shm are), so that nobody else can rename or
// replace what vsync creates there. Root running with another user's
// XDG_RUNTIME_DIR (su without -, sudo -E) thus falls back to /dev/shm.
// getenv is usually os.Getenv. When none is usable it returns the last
// candidate, and NewPrivateDir reports why.
func PrivateBase(getenv func(string) string) string {
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	for _, d := range []string{getenv("XDG_RUNTIME_DIR"), "/dev/shm", tmp} {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(d, &st) == nil && checkBase(d, &st) == nil && unix.Access(d, unix.W_OK|unix.X_OK) == nil {
			return d
		}
	}
	return tmp
}

// ErrUnsafeBase: the directory under which a private directory would go is
// not a directory, belongs to another user, or lets others replace its
// entries.
var ErrUnsafeBase = errors.New("unsafe base directory")

// checkBase says why the directory base, of status st, is no place for a
// private directory (ErrUnsafeBase), or nil.
func checkBase(base string, st *unix.Stat_t) error {
	euid := os.Geteuid()
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("%w: %q is not a directory", ErrUnsafeBase, base)
	case int(st.Uid) != euid && st.Uid != 0:
		return fmt.Errorf("%w: %q belongs to uid %d, not to uid %d (you) or root", ErrUnsafeBase, base, st.Uid, euid)
	case st.Mode&0o022 != 0 && st.Mode&unix.S_ISVTX == 0:
		return fmt.Errorf("%w: %q is writable by others and not sticky", ErrUnsafeBase, base)
	}
	return nil
}

// PrivateDir is a fresh directory, mode 0700, holding files of mode 0600.
// While it exists, the PrivateDir holds an flock on the directory itself;
// that lock, released by the kernel when vsync dies however it dies, is how
// CleanStale tells a live directory from one left behind. The descriptor
// carrying the lock (close-on-exec: children do not keep it) is also the
// one every file is created, replaced and removed through
// (privdir_at_unix.go): after creation the directory's path is only what
// Path and FilePath return, for the child.
type PrivateDir struct {
	path string
	name string   // its name in base
	base *os.File // the base directory, to remove the directory from it
	lock *os.File // the directory: flock and every *at call
}

// NewPrivateDir creates and locks a new private directory under base
// (usually PrivateBase(os.Getenv)), which must pass checkBase
// (ErrUnsafeBase otherwise). It is created under a hidden name, locked,
// then renamed, so CleanStale never sees it unlocked.
func NewPrivateDir(base string) (*PrivateDir, error) {
	d, err := newPrivateDir(base)
	if err != nil {
		return nil, fmt.Errorf("launcher: private directory: %w", err)
	}
	return d, nil
}

func newPrivateDir(base string) (*PrivateDir, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	bfd, err := retryEINTR(func() (int, error) {
		return unix.Open(base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: base, Err: err}
	}
	baseDir := os.NewFile(uintptr(bfd), base)
	var st unix.Stat_t
	if err := unix.Fstat(bfd, &st); err != nil {
		baseDir.Close()
		return nil, err
	}
	if err := checkBase(base, &st); err != nil {
		baseDir.Close()
		return nil, err
	}
	name := privatePrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	if err := unix.Mkdirat(bfd, "."+name, 0o700); err != nil {
		baseDir.Close()
		return nil, err
	}
	d := &PrivateDir{path: filepath.Join(base, name), name: "." + name, base: baseDir}
	d.lock, err = lockDirAt(bfd, "."+name, true)
	if err == nil {
		// Exact modes whatever the umask.
		err = d.lock.Chmod(0o700)
	}
	if err == nil {
		err = unix.Renameat(bfd, "."+name, bfd, name)
	}
	if err != nil {
		_ = d.Remove()
		if d.lock == nil { // not even opened: only the empty directory
			_ = unix.Unlinkat(bfd, "."+name, unix.AT_REMOVEDIR)
			baseDir.Close()
		}
		return nil, err
	}
	d.name = name
	return d, nil
}

// lockDirAt opens the directory name of dirfd without following a symlink
// and takes an exclusive flock on it, waiting for it when wait is true.
func lockDirAt(dirfd int, name string, wait bool) (*os.File, error) {
	fd, err := openDirAt(dirfd, name)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err = unix.Flock(fd, how)
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

// dirfd is the descriptor of the directory itself.
func (d *PrivateDir) dirfd() int { return int(d.lock.Fd()) }

// Path returns the directory's absolute path (as absolute as base was).
func (d *PrivateDir) Path() string { return d.path }

// WriteFile creates the file name (a local, slash-separated path such as
// "gcp-sa.json" or "tls/server.crt"; parents are created 0700) with mode
// 0600 and content data, and returns its path. It never overwrites or
// follows a symlink, and works through the directory's descriptor (a
// symlink swapped in for the directory or for a parent redirects
// nothing). Errors name the file, never the content.
func (d *PrivateDir) WriteFile(name string, data []byte) (string, error) {
	dir, leaf, err := splitLocal(name)
	if err != nil {
		return "", err
	}
	if d.lock == nil {
		return "", fmt.Errorf("launcher: private file %q: directory removed", name)
	}
	parent, err := walkAt(d.dirfd(), dir, true)
	if err != nil {
		return "", fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	defer unix.Close(parent)
	if err := createAt(parent, leaf, data); err != nil {
		return "", fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	return d.FilePath(name), nil
}

// CreateUnnamed is WriteFile for content that arrives in pieces and may
// not be trusted until it has all arrived: it makes the parents of name
// as WriteFile does (0700, through the directory's descriptor) and
// returns an anonymous file in name's directory (O_TMPFILE, mode 0600),
// which has no name, and which the kernel frees if vsync dies, until
// Link gives it name. Where the filesystem or the system has no
// anonymous files the error wraps ErrNoUnnamed (then nothing is made but
// the parents).
func (d *PrivateDir) CreateUnnamed(name string) (*UnnamedFile, error) {
	dir, leaf, err := splitLocal(name)
	if err != nil {
		return nil, err
	}
	if d.lock == nil {
		return nil, fmt.Errorf("launcher: private file %q: directory removed", name)
	}
	parent, err := walkAt(d.dirfd(), dir, true)
	if err != nil {
		return nil, fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	defer unix.Close(parent)
	f, err := anonfile.OpenAt(parent, ".")
	if err != nil {
		return nil, fmt.Errorf("launcher: private file %q: %w", name, err)
	}
	return &UnnamedFile{f: f, d: d, dir: dir, leaf: leaf}, nil
}

// splitLocal checks that name is a local, slash-separated path and splits
// it into its directory ("." at the top) and its last element.
func splitLocal(name string) (dir, leaf string, err error) {
	if name == "" || !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", "", fmt.Errorf("launcher: private file %q: not a local path", name)
	}
	clean := path.Clean(name)
	return path.Dir(clean), path.Base(clean), nil
}

// Remove deletes the directory and everything in it (through its
// descriptor: nothing a symlink points to), then releases the lock. The
// directory's own entry in base goes only if it is still this directory.
// Calling it again does nothing.
func (d *PrivateDir) Remove() error {
	if d.lock == nil {
		return nil
	}
	err := removeDirAt(int(d.base.Fd()), d.name, d.dirfd())
	_ = d.lock.Close()
	_ = d.base.Close()
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
// Directories of a live vsync, including the caller's own, are left alone,
// and so are those a live process still points into (inUse: on Linux, its
// environment names a file in it): the files of a process tree that
// outlived its vsync are not pulled from under it.
// It returns the paths it removed; errors for single entries are skipped
// (another vsync may be cleaning at the same time).
func CleanStale(base string) ([]string, error) {
	bfd, err := retryEINTR(func() (int, error) {
		return unix.Open(base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, fmt.Errorf("launcher: clean stale: %w", &fs.PathError{Op: "open", Path: base, Err: err})
	}
	baseDir := os.NewFile(uintptr(bfd), base)
	defer baseDir.Close()
	names, err := baseDir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("launcher: clean stale: %w", err)
	}
	var removed []string
	for _, name := range names {
		hidden := strings.HasPrefix(name, "."+privatePrefix)
		if !hidden && !strings.HasPrefix(name, privatePrefix) {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(bfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil ||
			st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Getuid() {
			continue
		}
		if hidden {
			if pid, ok := ownerPid(strings.TrimPrefix(name, ".")); !ok || alive(pid) {
				continue
			}
		}
		lock, err := lockDirAt(bfd, name, false)
		if err != nil {
			continue // locked: its vsync is alive
		}
		if inUse(filepath.Join(base, name)) {
			_ = lock.Close() // its vsync is gone, its child lives on
			continue
		}
		if removeDirAt(bfd, name, int(lock.Fd())) == nil {
			removed = append(removed, filepath.Join(base, name))
		}
		_ = lock.Close()
	}
	return removed, nil
}

// removeDirAt removes the directory open as fd, named name in bfd: its
// content through fd, then its entry, if name is still that directory.
func removeDirAt(bfd int, name string, fd int) error {
	if err := removeAllAt(fd); err != nil {
		return err
	}
	if !sameFile(bfd, name, fd) {
		return fmt.Errorf("%q was replaced", name)
	}
	return unix.Unlinkat(bfd, name, unix.AT_REMOVEDIR)
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
