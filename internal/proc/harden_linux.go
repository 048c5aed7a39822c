package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// keepFromPeers hides vsync's secrets from other processes of the same
// user, above all from vsync's own child:
//
//   - it makes vsync non-dumpable (prctl PR_SET_DUMPABLE 0): reading
//     /proc/PID/environ or /proc/PID/mem, ptrace and core dumps then need
//     CAP_SYS_PTRACE in vsync's user namespace, which a child of the same
//     non-root user and a root child in a default container lack (root
//     of a user namespace of its own is refused them anyway). The kernel
//     makes vsync's /proc/PID files root-owned; vsync's own reads of
//     /proc/self (exepages_linux.go) are access to itself, which stays
//     allowed. A child is dumpable again after its execve.
//   - it overwrites with NUL bytes, in the environment block the kernel
//     shows as /proc/PID/environ, the values of the variables in wipe.
//     Some kernels let a root reader without CAP_SYS_PTRACE open the
//     environ of a non-dumpable root process; it then finds nothing. The
//     Go runtime copied the environment at start-up, so os.Getenv still
//     sees the values.
//
// Start calls it first of all, before anything reads a secret.
func keepFromPeers(wipe []string) error {
	// Wipe first: once vsync is non-dumpable, /proc/self/mem is root's
	// and a non-root vsync cannot open it for writing.
	werr := wipeEnvironBlock(wipe)
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_DUMPABLE: %w", err)
	}
	return werr
}

// wipeEnvironBlock overwrites the values of keys in the process's initial
// environment block (from env_start to env_end of /proc/self/stat) through
// /proc/self/mem. With none of keys set it does nothing.
func wipeEnvironBlock(keys []string) error {
	if !slices.ContainsFunc(keys, func(k string) bool { return os.Getenv(k) != "" }) {
		return nil
	}
	start, end, err := environBlock()
	if err != nil {
		return err
	}
	// The descriptors are used directly, not through an os.File, which
	// would try to register them with the runtime's poller first (five
	// system calls more each): this runs at every start.
	mem, err := unix.Open("/proc/self/mem", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: "/proc/self/mem", Err: err}
	}
	defer unix.Close(mem)
	block := make([]byte, end-start)
	if err := preadFull(mem, block, int64(start)); err != nil {
		return fmt.Errorf("reading the environment block: %w", err)
	}
	off := 0
	for kv := range bytes.SplitSeq(block, []byte{0}) {
		k, v, ok := bytes.Cut(kv, []byte("="))
		if ok && len(v) > 0 && slices.Contains(keys, string(k)) {
			at := off + len(k) + 1
			if err := pwriteFull(mem, make([]byte, len(v)), int64(start)+int64(at)); err != nil {
				return fmt.Errorf("wiping the environment block: %w", err)
			}
		}
		off += len(kv) + 1
	}
	return nil
}

// environBlock returns env_start and env_end, fields 50 and 51 of
// /proc/self/stat (proc(5)).
func environBlock() (uint64, uint64, error) {
	var buf [4096]byte // the line is about 300 bytes, 52 numbers at most
	stat, err := readSelfStat(buf[:])
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(stat, ')') // the command name may hold spaces
	if i < 0 {
		return 0, 0, errors.New("malformed /proc/self/stat")
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3
	if len(f) < 51-2 {
		return 0, 0, errors.New("/proc/self/stat has no env_start/env_end")
	}
	start, err1 := strconv.ParseUint(string(f[50-3]), 10, 64)
	end, err2 := strconv.ParseUint(string(f[51-3]), 10, 64)
	if err1 != nil || err2 != nil || end < start || end-start > 64<<20 {
		return 0, 0, errors.New("malformed env_start/env_end in /proc/self/stat")
	}
	return start, end, nil
}

// readSelfStat reads /proc/self/stat into buf with open, read and close;
// a file longer than buf is refused.
func readSelfStat(buf []byte) ([]byte, error) {
	fd, err := unix.Open("/proc/self/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/proc/self/stat", Err: err}
	}
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: "/proc/self/stat", Err: err}
		}
		if m == 0 {
			return buf[:n], nil
		}
		n += m
	}
	return nil, errors.New("/proc/self/stat is longer than expected")
}

// preadFull reads len(b) bytes of fd at off.
func preadFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := unix.Pread(fd, b, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

// pwriteFull writes b to fd at off.
func pwriteFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := unix.Pwrite(fd, b, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}
