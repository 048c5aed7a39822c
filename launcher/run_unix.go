//go:build unix

package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// rescanInterval is how often, while the tree is being torn down, Run
// looks for processes that were reparented to it and polls a process group
// it cannot wait for.
const rescanInterval = 25 * time.Millisecond

// Run starts the child described by cfg, supervises it, and returns its
// exit code once the child and its descendants are gone: the child's exit
// status, or 128+N when it died of signal N.
//
// Starting: the command is resolved as Config.Path says and executed
// directly with exactly cfg.Env. When it cannot be started Run returns an
// error wrapping ErrNotFound (code 127) or ErrNotExecutable (code 126);
// for any other error the code is 1. An error after a successful start
// (the child was reaped behind Run's back, for instance because SIGCHLD is
// ignored) also gives 1.
//
// Process group and terminal: the child always leads a new process group.
// When Stdin is a terminal whose foreground group is vsync's, that new
// group is made the terminal's foreground group before the command is
// executed, as a shell does for a foreground job: a Ctrl-C is then
// delivered by the kernel to the child's group only, not to vsync, so it
// arrives exactly once. Run gives the terminal back to vsync's group when
// the child exits.
//
// Signals: each of ForwardedSignals arriving on cfg.Signals is sent to the
// child process alone, as tini does by default, or to its whole process
// group with cfg.SignalGroup (tini's -g): a pre-fork server's master
// (gunicorn, nginx, unicorn) owns its workers' signals, and a SIGHUP sent to
// every worker kills gunicorn's workers mid-request where the master alone
// would have reloaded them gracefully. SIGTERM, SIGINT and SIGQUIT are stop
// signals: the first (followed by SIGCONT to the group when the child is
// stopped, so that it acts on it) starts KillTimeout, after which SIGKILL
// goes to the whole group; a second one sends SIGKILL to the group at once.
// Cancelling ctx acts as a stop signal carrying KillSignal. With the
// terminal handed to the child, keys such as Ctrl-C reach the child's group
// from the kernel and never pass through vsync, so a second Ctrl-C is the
// child's business, not an escalation.
//
// Job control: when the child stops (Ctrl-Z at the terminal: SIGTSTP to
// its foreground group; SIGTTIN or SIGTTOU) while vsync handed it the
// terminal, vsync stops itself with the same signal, as the rest of a
// foreground job would, so that the shell gets the terminal back and
// reports the job stopped. When vsync is continued (SIGCONT on
// cfg.Signals: the shell's fg or bg) it gives the terminal back to the
// child's group if vsync's group holds it (fg) and continues the child's
// group. SIGTSTP, SIGTTIN and SIGTTOU must therefore keep their default
// action in the process (ForwardedSignals leaves them out). Where no shell
// can continue vsync (PID 1, or a process group with no parent in the
// session, as under a terminal emulator without a shell), vsync does not
// stop and the child is continued at once. A child stopped any other way
// (SIGSTOP) stays stopped; a stop signal continues it.
//
// Reaping: when the process is PID 1 or cfg.Subreaper is set (and
// supported), Run reaps every child of the process with wait4(-1), as tini
// does, so orphans re-parented to vsync never stay zombies. Otherwise it
// waits for its own child only.
//
// Death of vsync: the child is started with a parent-death signal
// (SIGKILL, on Linux), and unless the process is PID 1 a watchdog
// (/bin/sh, as RunGroup's, see startWatchdog) is told the child's process
// group: should vsync die without stopping the child (kill -9, a crash),
// the child dies with it and the watchdog kills what is left of its group
// at once. The watchdog is released once the child's tree is gone; Run
// waits for it to exit unless Config.LastRun is set.
//
// Teardown: when the child has exited, Run sends KillSignal to what is left
// of its process group (and, when reaping all, to every remaining child of
// the process), and SIGKILL after KillTimeout; it returns when they are
// gone (reaped, or the group empty), so nothing the child started outlives
// Run. Output pipes are then drained (see Config.Stdout).
func Run(ctx context.Context, cfg Config) (exitCode int, err error) {
	if len(cfg.Args) == 0 {
		return 1, errors.New("launcher: empty command")
	}
	s := &supervisor{
		cfg:     &cfg,
		killSig: syscall.SIGTERM,
		timeout: cfg.KillTimeout,
		tty:     -1,
	}
	if cfg.KillSignal != nil {
		ks, ok := cfg.KillSignal.(syscall.Signal)
		if !ok {
			return 1, fmt.Errorf("launcher: kill signal %v is not a syscall.Signal", cfg.KillSignal)
		}
		s.killSig = ks
	}
	if s.timeout <= 0 {
		s.timeout = DefaultKillTimeout
	}
	if cfg.Dir != "" {
		fi, err := os.Stat(cfg.Dir)
		if err != nil {
			return 1, fmt.Errorf("launcher: working directory: %w", err)
		}
		if !fi.IsDir() {
			return 1, fmt.Errorf("launcher: working directory %q is not a directory", cfg.Dir)
		}
	}
	path := cfg.Path
	if path == "" {
		if path, err = lookPath(cfg.Args[0], cfg.Env, cfg.Dir); err != nil {
			return codeFor(err), err
		}
	}
	if err := ctx.Err(); err != nil {
		return 1, err
	}
	return s.run(ctx, path)
}

// codeFor maps a start error to the code a shell would give.
func codeFor(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return ExitNotFound
	case errors.Is(err, ErrNotExecutable), errors.Is(err, ErrArgsTooLarge):
		return ExitNotExecutable
	}
	return 1
}

// supervisor is the state of one Run call.
type supervisor struct {
	cfg     *Config
	killSig syscall.Signal
	timeout time.Duration
	pid     int  // the child's pid, also its process group id
	reapAll bool // wait4(-1): PID 1 or subreaper
	tty     int  // terminal handed to the child, or -1
	events  chan exitEvent
	// stopped: the child was last reported stopped (job control or
	// SIGSTOP), not continued since.
	stopped bool
	// background: vsync was continued without the terminal (the shell's
	// bg), so the terminal is not vsync's to take back.
	background bool
	// watchdog kills the child's process group should vsync die first
	// (see startWatchdog); nil when there is none.
	watchdog *watchdog
	// quit tells the reaper that Run has returned (Config.LastRun): it
	// reaps nothing more but the watchdog (see reapUntilQuit).
	quit atomic.Bool
	// stopping: a stop signal (or ctx) has been passed on; killC fires
	// KillTimeout later. escalated: SIGKILL has been sent to the group.
	stopping  bool
	killC     <-chan time.Time
	escalated bool
}

// target is where forwarded signals go: the child, or with SignalGroup its
// whole process group.
func (s *supervisor) target() int {
	if s.cfg.SignalGroup {
		return -s.pid
	}
	return s.pid
}

// exitEvent is one child reaped by the reaper goroutine, or (for Run's own
// child) stopped or continued.
type exitEvent struct {
	pid    int
	status unix.WaitStatus
}

func (s *supervisor) run(ctx context.Context, path string) (int, error) {
	cfg := s.cfg
	st, err := openStdio(cfg)
	if err != nil {
		return 1, fmt.Errorf("launcher: %w", err)
	}

	sys := groupSysProcAttr() // its own group, and SIGKILL should vsync die
	s.handTerminal(sys)
	if s.takeReaping() {
		defer func() { _, _ = setSubreaper(false) }()
	}

	env := cfg.Env
	if env == nil {
		env = []string{} // nil would give the child vsync's environment
	}
	s.startWatchdog() // before the child, never beside it
	proc, err, unlock := startLocked(func() (*os.Process, error) {
		p, err := os.StartProcess(path, cfg.Args, &os.ProcAttr{
			Dir:   cfg.Dir,
			Env:   env,
			Files: st.files[:],
			Sys:   sys,
		})
		if err == nil {
			s.watchdog.watch(p.Pid) // at once: the child may already run
		}
		return p, err
	})
	defer unlock()
	st.started()
	if err != nil {
		s.watchdog.stop()
		st.close()
		err = startError(cfg.Args[0], err)
		return codeFor(err), err
	}
	s.pid = proc.Pid
	// The child is reaped with wait4 below, never with proc.Wait (which
	// would race a wait4(-1) reaper); release the os.Process handle.
	_ = proc.Release()
	defer s.restoreTerminal()
	if cfg.Started != nil {
		cfg.Started(s.pid)
	}

	s.events = make(chan exitEvent, 16)
	go s.reap()

	code, lost := s.supervise(ctx)
	s.restoreTerminal()
	s.teardown()
	switch {
	case s.reapAll: // released by teardown
	case cfg.LastRun:
		s.watchdog.release() // not waited for: the process exits
	default:
		s.watchdog.stop() // the reaper waited for the child only
	}
	st.drain()
	if lost {
		return 1, fmt.Errorf("launcher: child %d was reaped by someone else; its exit status is unknown", s.pid)
	}
	return code, nil
}

// handTerminal makes sys give the child the terminal on Stdin when vsync's
// process group holds it: the child sets itself as foreground between
// setpgid and exec, with signals blocked, so it never runs as a background
// job.
func (s *supervisor) handTerminal(sys *syscall.SysProcAttr) {
	if s.cfg.TerminalOff || s.cfg.Stdin == nil {
		return
	}
	fd := int(s.cfg.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return
	}
	if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil && fg == unix.Getpgrp() {
		sys.Foreground, sys.Ctty, s.tty = true, fd, fd
	}
}

// takeReaping decides whether Run reaps every child of the process: as
// PID 1, or as a child subreaper with Config.Subreaper (where supported).
// undo reports that this call made the process a subreaper, which Run
// must undo when it returns.
func (s *supervisor) takeReaping() (undo bool) {
	s.reapAll = os.Getpid() == 1
	if s.cfg.Subreaper && !s.reapAll {
		if prev, err := setSubreaper(true); err == nil {
			s.reapAll = true
			return !prev
		}
	}
	return false
}

// restoreTerminal gives the terminal back to vsync's process group, once,
// unless vsync runs in the background (bg).
func (s *supervisor) restoreTerminal() {
	if s.tty < 0 || s.background {
		s.tty = -1
		return
	}
	_ = setForeground(s.tty, unix.Getpgrp())
	s.tty = -1
}
