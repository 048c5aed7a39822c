//go:build unix

package launcher

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// The private directory is worked on through descriptors only: once
// created, every file and subdirectory is made, opened, renamed and removed
// relative to the directory's open descriptor (openat, mkdirat, renameat,
// unlinkat), never through its path, and nothing below it is followed if
// it is a symlink. Whoever renames the directory or swaps a symlink in for
// it (or for one of its subdirectories) cannot redirect a write.

// dirFlags open a directory, never a symlink to one.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openDirAt opens the directory name of dirfd without following a symlink.
// A name that is not a directory is an error saying so.
func openDirAt(dirfd int, name string) (int, error) {
	fd, err := retryEINTR(func() (int, error) { return unix.Openat(dirfd, name, dirFlags, 0) })
	switch {
	case errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP):
		return -1, fmt.Errorf("%q is not a directory", name)
	case err != nil:
		return -1, err
	}
	return fd, nil
}

// walkAt opens the directory rel (slash-separated, local, "." for root
// itself) below root, creating each missing level 0700 when create is
// true, and returns its descriptor, which the caller closes. A level that
// is a symlink or a file is an error.
func walkAt(root int, rel string, create bool) (int, error) {
	cur, err := openDirAt(root, ".")
	if err != nil {
		return -1, err
	}
	if rel == "." || rel == "" {
		return cur, nil
	}
	for _, part := range strings.Split(rel, "/") {
		created := false
		if create {
			err := unix.Mkdirat(cur, part, 0o700)
			created = err == nil
			if err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(cur)
				return -1, err
			}
		}
		next, err := openDirAt(cur, part)
		unix.Close(cur)
		if err != nil {
			return -1, err
		}
		if created {
			if err := unix.Fchmod(next, 0o700); err != nil { // exact, whatever the umask
				unix.Close(next)
				return -1, err
			}
		}
		cur = next
	}
	return cur, nil
}

// createAt creates the file name in dirfd, which must not exist (a symlink
// there is not followed), mode 0600 whatever the umask, holding data. On
// failure nothing is left at name. The error names no path.
func createAt(dirfd int, name string, data []byte) error {
	f, err := openNewAt(dirfd, name)
	if err != nil {
		return unwrapPathError(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = unix.Unlinkat(dirfd, name, 0)
		return unwrapPathError(err)
	}
	return nil
}

// openNewAt creates name in dirfd, which must not exist (a symlink is not
// followed), with mode exactly 0600, and returns it open for writing.
func openNewAt(dirfd int, name string) (*os.File, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	})
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		_ = unix.Unlinkat(dirfd, name, 0)
		return nil, err
	}
	return f, nil
}

// removeAllAt removes everything in the directory dirfd (not the directory
// itself), descending into subdirectories by descriptor and never
// following a symlink. It returns the first error and goes on.
func removeAllAt(dirfd int) error {
	names, err := readNamesAt(dirfd)
	var first error
	if err != nil {
		first = err
	}
	for _, name := range names {
		if err := removeAt(dirfd, name); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// removeAt removes the entry name of dirfd: a directory with everything in
// it, anything else (a symlink included, not followed) itself. One already
// gone is not an error.
func removeAt(dirfd int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := unix.Unlinkat(dirfd, name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
		return nil
	}
	sub, err := openDirAt(dirfd, name)
	if err != nil {
		return err
	}
	err = removeAllAt(sub)
	unix.Close(sub)
	if rerr := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); rerr != nil && !errors.Is(rerr, unix.ENOENT) && err == nil {
		err = rerr
	}
	return err
}

// readNamesAt lists the entries of the directory dirfd, through a
// descriptor of its own so that dirfd's offset does not move.
func readNamesAt(dirfd int) ([]string, error) {
	fd, err := openDirAt(dirfd, ".")
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	return f.Readdirnames(-1)
}

// sameFile reports whether the entry name of dirfd (not followed) is the
// file fd is open on.
func sameFile(dirfd int, name string, fd int) bool {
	var a, b unix.Stat_t
	if unix.Fstatat(dirfd, name, &a, unix.AT_SYMLINK_NOFOLLOW) != nil || unix.Fstat(fd, &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// retryEINTR calls f again while it fails with EINTR.
func retryEINTR(f func() (int, error)) (int, error) {
	for {
		fd, err := f()
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}
