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
	// siginfo_t for SIGCHLD: si_signo, si_errno, si_code, then si_pid.
	f := (*struct {
		signo, errno, code, _ int32
		pid                   int32
	})(unsafe.Pointer(&info))
	// si_code 1, 2, 3: CLD_EXITED, CLD_KILLED, CLD_DUMPED (4 to 6:
	// trapped, stopped, continued).
	exited = f.code >= 1 && f.code <= 3
	return int(f.pid), exited, nil
}
