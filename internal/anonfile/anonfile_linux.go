package anonfile

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Open is OpenAt of the directory dir.
func Open(dir string) (*os.File, error) { return OpenAt(unix.AT_FDCWD, dir) }

// OpenAt opens a new anonymous file in the directory dir, relative to
// the directory descriptor dirfd (unix.AT_FDCWD: the working directory),
// mode exactly 0600 whatever the umask. ErrUnsupported where there are
// none.
func OpenAt(dirfd int, dir string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat(dirfd, dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL):
		return nil, ErrUnsupported
	case err != nil:
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	// Link goes through /proc/self/fd (AT_EMPTY_PATH would need
	// CAP_DAC_READ_SEARCH): without /proc, no anonymous files.
	var st unix.Stat_t
	if unix.Stat(procFd(f), &st) != nil {
		f.Close()
		return nil, ErrUnsupported
	}
	return f, nil
}

// Link gives the anonymous file f (Open) the name p, which must not
// exist: linkat neither replaces nor follows what is at p (EEXIST).
func Link(f *os.File, p string) error { return LinkAt(f, unix.AT_FDCWD, p) }

// LinkAt is Link of the name relative to the directory descriptor dirfd.
func LinkAt(f *os.File, dirfd int, name string) error {
	return unix.Linkat(unix.AT_FDCWD, procFd(f), dirfd, name, unix.AT_SYMLINK_FOLLOW)
}

// procFd is the path of f's descriptor under /proc/self/fd.
func procFd(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }
