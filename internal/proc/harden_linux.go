package proc

import (
	"bytes"
	"errors"
	"fmt"
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
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, int64(start)); err != nil {
		return fmt.Errorf("reading the environment block: %w", err)
	}
	off := 0
	for kv := range bytes.SplitSeq(block, []byte{0}) {
		k, v, ok := bytes.Cut(kv, []byte("="))
		if ok && len(v) > 0 && slices.Contains(keys, string(k)) {
			at := off + len(k) + 1
			if _, err := mem.WriteAt(make([]byte, len(v)), int64(start)+int64(at)); err != nil {
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
	stat, err := os.ReadFile("/proc/self/stat")
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
