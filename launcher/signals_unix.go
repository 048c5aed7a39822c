//go:build unix

package launcher

import (
	"os"
	"syscall"
)

// ForwardedSignals returns, in a new slice, the signals Run forwards to the
// child's process group: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2
// and SIGWINCH. SIGCHLD and SIGURG (which the Go runtime uses for
// preemption) are never forwarded. Callers pass exactly these to
// signal.Notify and the channel to Config.Signals.
func ForwardedSignals() []os.Signal {
	return []os.Signal{
		syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
	}
}

// isForwarded reports whether s is one of ForwardedSignals.
func isForwarded(s os.Signal) bool {
	for _, f := range ForwardedSignals() {
		if s == f {
			return true
		}
	}
	return false
}

// IsStopSignal reports whether s is one of the stop signals of Run and
// RunGroup (SIGTERM, SIGINT, SIGQUIT): the others of ForwardedSignals are
// only passed on.
func IsStopSignal(s os.Signal) bool { return isStopSignal(s) }

// isStopSignal reports whether s asks the child to stop: SIGTERM, SIGINT or
// SIGQUIT. The first starts the kill timeout; a second kills at once.
// SIGHUP is only forwarded: daemons take it as "reload".
func isStopSignal(s os.Signal) bool {
	return s == syscall.SIGTERM || s == syscall.SIGINT || s == syscall.SIGQUIT
}
