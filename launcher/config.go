package launcher

import (
	"errors"
	"io"
	"os"
	"time"
)

// DefaultKillTimeout is the grace period between the stop signal and SIGKILL
// when Config.KillTimeout is zero.
const DefaultKillTimeout = 10 * time.Second

// Exit codes Run returns when the child could not be started, as a shell
// would give them.
const (
	ExitNotExecutable = 126 // with an error wrapping ErrNotExecutable
	ExitNotFound      = 127 // with an error wrapping ErrNotFound
)

// Errors for a child that could not be started. Run's error wraps one of
// them (match with errors.Is); its text names the command, never its
// environment.
var (
	// ErrNotFound: the command is not in the child's PATH, the path given
	// does not exist, or its script interpreter does not exist.
	ErrNotFound = errors.New("command not found")
	// ErrNotExecutable: the command exists but cannot be executed
	// (permission denied, a directory, not a valid executable format).
	ErrNotExecutable = errors.New("command not executable")
	// ErrArgsTooLarge: execve refused the arguments and environment as
	// too large (E2BIG: a string over 128 KiB, or all of them over the
	// system's limit). Run gives it ExitNotExecutable, as a shell does.
	ErrArgsTooLarge = errors.New("arguments and environment too large to execute")
)

// Config describes one child for Run. The zero value of every field except
// Args is usable.
type Config struct {
	// Path is the program to execute. When empty, Args[0] is resolved: a
	// name containing a slash is used as is (relative to Dir); any other
	// name is looked up in the PATH found in Env, not in vsync's own PATH
	// (a missing PATH means "/usr/local/bin:/usr/bin:/bin"; empty and
	// relative PATH entries are ignored, as Go's os/exec refuses them). No
	// shell is involved.
	Path string
	// Args is the argument vector including Args[0]. It must not be empty.
	Args []string
	// Env is the child's complete environment, "KEY=value" each. Nothing is
	// added from vsync's environment and vsync's own environment is never
	// changed; nil means an empty environment. Keys should be unique.
	Env []string
	// Dir is the child's working directory; empty means vsync's.
	Dir string

	// Stdin is the child's standard input; nil means /dev/null. When it is
	// a terminal (and TerminalOff is false) the child is given the terminal
	// as a shell gives it to a foreground job: see Run.
	Stdin *os.File
	// Stdout and Stderr receive the child's output; nil means /dev/null.
	// An *os.File is handed to the child as is; any other writer is fed
	// from a pipe, and Run returns only after the pipe is drained (or,
	// when a process outside the child's tree still holds it open, at most
	// about two seconds after the tree is gone). A writer used for both
	// gets a single pipe, so writes to it never race.
	Stdout io.Writer
	Stderr io.Writer

	// KillSignal is sent to the child when ctx is cancelled (to its group
	// with SignalGroup) and to what is left of the child's process group
	// after the child exits; nil means SIGTERM. It must be a
	// syscall.Signal.
	KillSignal os.Signal
	// KillTimeout is the grace period after the first stop signal (or
	// KillSignal) before SIGKILL goes to the whole process group; zero means
	// DefaultKillTimeout.
	KillTimeout time.Duration

	// SignalGroup sends the forwarded signals, the first stop signal and
	// KillSignal at a cancel to the child's whole process group rather than
	// to the child alone (tini's -g). SIGKILL after KillTimeout, and the
	// clean-up of what is left once the child exited, always go to the
	// whole group.
	SignalGroup bool

	// Signals carries the signals vsync received. The caller subscribes
	// with signal.Notify(ch, ForwardedSignals()...) and passes ch here, so
	// tests need no real kill. Signals that ForwardedSignals never
	// includes are ignored. nil means no forwarding.
	Signals <-chan os.Signal

	// Subreaper makes the process a child subreaper (Linux
	// PR_SET_CHILD_SUBREAPER) for the duration of Run, so that orphaned
	// descendants are reparented to it, and makes Run reap every child of
	// the process with wait4(-1), as it always does when the process is
	// PID 1. In that mode Run owns all children of the process: nothing
	// else in the process may start or wait for children while Run runs.
	// On systems without subreapers the flag is ignored.
	Subreaper bool

	// LastRun says that the process exits once Run returns, with no
	// other Run after it (vsync run without --watch): Run then returns
	// as soon as the child's tree is gone, without waiting for the
	// released watchdog to exit. Safe either way: a Run that follows
	// still gets its own children's statuses.
	LastRun bool

	// TerminalOff keeps the child out of the terminal's foreground even
	// when Stdin is a terminal (for `vsync start`, where several children
	// share it). The child still gets its own process group.
	TerminalOff bool

	// Started, when not nil, is called once the child has been started,
	// with its pid, before Run waits for it (the child cannot have been
	// reaped yet). It is called on Run's goroutine and must not block; it
	// is not called when the child could not be started.
	Started func(pid int)
}
