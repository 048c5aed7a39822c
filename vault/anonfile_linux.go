package vault

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openAnon opens a new anonymous file in the directory dir
// (O_TMPFILE): it has no name, so nothing can read it through the
// filesystem, and the kernel frees it when it is closed or the process
// dies, until linkAnon gives it one. Its mode is 0600 whatever the umask.
// Where the filesystem or the kernel has no anonymous files the error is
// errNoAnon.
func openAnon(dir string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL):
		return nil, errNoAnon
	case err != nil:
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	// linkAnon goes through /proc/self/fd (AT_EMPTY_PATH would need
	// CAP_DAC_READ_SEARCH): without /proc, no anonymous files.
	if _, err := os.Stat(procFd(f)); err != nil {
		f.Close()
		return nil, errNoAnon
	}
	return f, nil
}

// linkAnon gives the anonymous file f (openAnon, in p's directory) the
// name p, which must not exist: linkat never replaces nor follows what is
// at p (EEXIST).
func linkAnon(f *os.File, p string) error {
	if err := unix.Linkat(unix.AT_FDCWD, procFd(f), unix.AT_FDCWD, p, unix.AT_SYMLINK_FOLLOW); err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	return nil
}

// procFd is the path of f's descriptor under /proc/self/fd.
func procFd(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }
