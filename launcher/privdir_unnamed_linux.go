package launcher

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openUnnamedAt opens a new anonymous file (O_TMPFILE) in the directory
// dirfd, mode exactly 0600. ErrNoUnnamed where the filesystem or the
// kernel has none, or there is no /proc to link it through.
func openUnnamedAt(dirfd int) (*os.File, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Openat(dirfd, ".", unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	})
	switch {
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL):
		return nil, ErrNoUnnamed
	case err != nil:
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "")
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	// linkat through /proc/self/fd (AT_EMPTY_PATH would need
	// CAP_DAC_READ_SEARCH).
	var st unix.Stat_t
	if unix.Stat(procFd(f), &st) != nil {
		f.Close()
		return nil, ErrNoUnnamed
	}
	return f, nil
}

// linkUnnamedAt gives the anonymous file f the name leaf in dirfd; linkat
// neither replaces nor follows what is there (EEXIST).
func linkUnnamedAt(f *os.File, dirfd int, leaf string) error {
	return unix.Linkat(unix.AT_FDCWD, procFd(f), dirfd, leaf, unix.AT_SYMLINK_FOLLOW)
}

// procFd is the path of f's descriptor under /proc/self/fd.
func procFd(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }
