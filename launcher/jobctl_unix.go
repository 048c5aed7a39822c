//go:build unix

package launcher

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// childStopped handles the child's stop by sig. A job-control stop of a
// child holding the terminal stops vsync's process group too (vsync, and a
// script that ran it), with the same signal, so that the shell sees its job
// stopped and takes the terminal back: a foreground job stops as a whole.
// When no shell could continue vsync the child is continued at once
// instead. Any other stop is left alone.
func (s *supervisor) childStopped(sig syscall.Signal) {
	s.stopped = true
	if s.tty < 0 || !isJobStop(sig) {
		return
	}
	if !jobControlled() {
		s.resume()
		return
	}
	// The default action stops vsync until SIGCONT (fg or bg), which then
	// arrives on cfg.Signals and resumes the child.
	_ = unix.Kill(0, sig)
}

// resume continues the child's process group. When vsync's group holds the
// terminal (the shell's fg gave it back to vsync) the child's group gets it
// again first; otherwise vsync runs in the background (bg) and leaves the
// terminal to its owner.
func (s *supervisor) resume() {
	if s.tty >= 0 {
		fg, err := unix.IoctlGetInt(s.tty, unix.TIOCGPGRP)
		switch {
		case err == nil && fg == unix.Getpgrp():
			_ = setForeground(s.tty, s.pid)
			s.background = false
		case err == nil && fg != s.pid:
			s.background = true
		}
	}
	_ = unix.Kill(-s.pid, syscall.SIGCONT)
	s.stopped = false
}

// jobControlled reports whether a job-control stop of vsync can be undone
// by a shell: vsync is not PID 1 (which ignores stop signals) and its
// parent is in vsync's session, as a shell running vsync as a job is.
// Otherwise (a terminal emulator or a test harness that made vsync a
// session leader) the kernel would discard the stop of vsync's orphaned
// process group, or nobody could send SIGCONT.
func jobControlled() bool {
	if os.Getpid() == 1 {
		return false
	}
	psid, err := unix.Getsid(os.Getppid())
	if err != nil {
		return false
	}
	sid, err := unix.Getsid(0)
	return err == nil && psid == sid
}
