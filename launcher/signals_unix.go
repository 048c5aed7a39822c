//go:build unix

package launcher

import (
	"os"
	"os/signal"
	"syscall"
)

// ForwardedSignals returns, in a new slice, the signals a wrapper
// subscribes to (signal.Notify) and passes to Run or RunGroup on
// Config.Signals: every signal a process can catch, numbered 1 to
// maxSignal, except
//
//   - SIGCHLD (the wrapper reaps its children itself) and SIGURG (the Go
//     runtime's preemption signal);
//   - SIGPROF and the real-time signals the Go runtime and the C library
//     keep for themselves (32 to 34 on Linux): sent with kill, the
//     runtime drops them before the program sees them;
//   - SIGTSTP, SIGTTIN and SIGTTOU, the job-control stops: they keep their
//     default action, which stops vsync, and Run raises them on vsync
//     itself when its child stops at the terminal (see Run). A caller must
//     not subscribe to them;
//   - every signal that is ignored when ForwardedSignals is called
//     (signal.Ignored): a signal vsync inherited as ignored, such as the
//     SIGHUP of nohup or the SIGINT of a shell's "cmd &", stays ignored,
//     so that the child inherits it ignored too (exec keeps SIG_IGN and
//     resets every caught signal to its default), and is never forwarded.
//     The Go runtime keeps only SIGHUP and SIGINT as inherited (any other
//     inherited SIG_IGN is lost before main runs), and a signal.Notify for
//     a signal clears its ignored state: call ForwardedSignals before
//     anything else in the process subscribes to SIGHUP or SIGINT.
//
// Subscribing to all of them means that no signal sent with kill can
// crash vsync with a Go runtime dump (SIGABRT, SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGTRAP, SIGSYS, SIGSTKFLT) or end it silently (SIGALRM,
// SIGPIPE, SIGXCPU, ...): each reaches the child instead, as dumb-init
// passes them on. A caller that writes to a pipe itself should know that
// a SIGPIPE from its own write then arrives on the channel too.
func ForwardedSignals() []os.Signal {
	var out []os.Signal
	for n := 1; n <= maxSignal; n++ {
		s := syscall.Signal(n)
		if isForwarded(s) && !signal.Ignored(s) {
			out = append(out, s)
		}
	}
	return out
}

// isForwarded reports whether s is a signal Run and RunGroup forward when
// it arrives on Config.Signals: one of ForwardedSignals, whatever is
// ignored at the moment.
func isForwarded(s os.Signal) bool {
	ss, ok := s.(syscall.Signal)
	if !ok || ss < 1 || int(ss) > maxSignal || runtimeSignal(ss) {
		return false
	}
	switch ss {
	case syscall.SIGKILL, syscall.SIGSTOP, // cannot be caught
		syscall.SIGCHLD, syscall.SIGURG, syscall.SIGPROF,
		syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
		return false
	}
	return true
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

// isJobStop reports whether s is a job-control stop: SIGTSTP (Ctrl-Z),
// SIGTTIN or SIGTTOU (a background job using the terminal).
func isJobStop(s syscall.Signal) bool {
	return s == syscall.SIGTSTP || s == syscall.SIGTTIN || s == syscall.SIGTTOU
}
