//go:build linux

package launcher

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// peekChild waits until a child of the process is waitable (exited, or
// with WUNTRACED and WCONTINUED in options stopped or continued) and
// returns its pid without reaping it: waitid(P_ALL, WNOWAIT).
func peekChild(options int) (pid int, exited bool, err error) {
	var info unix.Siginfo
	wopts := unix.WEXITED | unix.WNOWAIT
	if options&unix.WUNTRACED != 0 {
		wopts |= unix.WSTOPPED
	}
	wopts |= options & unix.WCONTINUED
	if err := unix.Waitid(unix.P_ALL, 0, &info, wopts, nil); err != nil {
		return 0, false, err
	}
	// siginfo_t for SIGCHLD: int si_signo, si_errno, si_code, then a
	// union, aligned as a pointer (offset 16 on 64-bit, 12 on 32-bit),
	// whose first member is si_pid. (MIPS swaps si_code and si_errno;
	// vsync is not built for it.)
	p := unsafe.Pointer(&info)
	code := *(*int32)(unsafe.Add(p, 8))
	align := unsafe.Alignof(uintptr(0))
	pidAt := (12 + align - 1) &^ (align - 1)
	// si_code 1, 2, 3: CLD_EXITED, CLD_KILLED, CLD_DUMPED (4 to 6:
	// trapped, stopped, continued).
	exited = code >= 1 && code <= 3
	return int(*(*int32)(unsafe.Add(p, pidAt))), exited, nil
}
