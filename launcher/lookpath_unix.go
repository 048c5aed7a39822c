//go:build unix

package launcher

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// defaultPath is used when the child's environment has no PATH.
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// lookPath resolves file as the child will see it: against the PATH in env
// (the first PATH= entry, as the child's libc getenv reads it), relative
// names with a slash against dir. Errors wrap ErrNotFound or
// ErrNotExecutable.
func lookPath(file string, env []string, dir string) (string, error) {
	if file == "" {
		return "", fmt.Errorf("%q: %w", file, ErrNotFound)
	}
	if strings.Contains(file, "/") {
		p := file
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%q: %w", file, err)
		}
		return file, nil
	}
	pathList, ok := getenv(env, "PATH")
	if !ok {
		pathList = defaultPath
	}
	var notExec error
	for _, d := range filepath.SplitList(pathList) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, file)
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		if errors.Is(err, ErrNotExecutable) && notExec == nil {
			notExec = err
		}
	}
	if notExec != nil {
		// As a shell does: a file that is there but cannot be run is
		// "permission denied" (126) rather than "not found" (127).
		return "", fmt.Errorf("%q: %w", file, notExec)
	}
	return "", fmt.Errorf("%q: %w in PATH", file, ErrNotFound)
}

// checkExecutable returns nil for a regular file with an execute bit, an
// error wrapping ErrNotFound when nothing is there and ErrNotExecutable
// otherwise.
func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return ErrNotFound
		}
		return fmt.Errorf("%w: %w", ErrNotExecutable, unwrapPathError(err))
	}
	if fi.IsDir() {
		return fmt.Errorf("%w: is a directory", ErrNotExecutable)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%w: permission denied", ErrNotExecutable)
	}
	return nil
}

// getenv returns the value of the first key= entry in env.
func getenv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// startError classifies an error from os.StartProcess (the exec itself
// failed after lookPath accepted the file: a missing script interpreter, a
// noexec mount, a bad format).
func startError(name string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOENT, syscall.ENOTDIR:
			return fmt.Errorf("%q: %w: %w", name, ErrNotFound, errno)
		case syscall.EACCES, syscall.EPERM, syscall.ENOEXEC, syscall.EISDIR, syscall.ETXTBSY:
			return fmt.Errorf("%q: %w: %w", name, ErrNotExecutable, errno)
		case syscall.E2BIG:
			return fmt.Errorf("%q: %w: %w", name, ErrArgsTooLarge, errno)
		}
	}
	return fmt.Errorf("launcher: start %q: %w", name, unwrapPathError(err))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
