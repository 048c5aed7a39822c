//go:build unix && !linux

package launcher

import (
	"errors"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// setSubreaper is unsupported outside Linux.
func setSubreaper(on bool) (prev bool, err error) {
	return false, errors.ErrUnsupported
}

// childrenOf is only needed in subreaper mode, which is Linux only.
func childrenOf(pid int) []int { return nil }

// setForeground makes pgid the foreground process group of the terminal
// fd, ignoring SIGTTOU for the duration (process-wide: these systems offer
// no per-thread mask in x/sys/unix).
func setForeground(fd, pgid int) error {
	if !signal.Ignored(syscall.SIGTTOU) {
		signal.Ignore(syscall.SIGTTOU)
		defer signal.Reset(syscall.SIGTTOU)
	}
	return unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgid)
}

// isStopped is only known from wait4 on these systems.
func isStopped(pid int) bool { return false }
