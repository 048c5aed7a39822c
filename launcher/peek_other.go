//go:build unix && !linux

package launcher

import "golang.org/x/sys/unix"

// peekChild is only needed with a watchdog in subreaper mode, which is
// Linux only (as PID 1 there is no watchdog).
func peekChild(options int) (pid int, exited bool, err error) {
	return 0, false, unix.ENOSYS
}
