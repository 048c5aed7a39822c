//go:build unix

package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultGroupKillTimeout is the grace period RunGroup gives its processes
// between SIGTERM and SIGKILL when GroupConfig.KillTimeout is zero, as
// Foreman does.
const DefaultGroupKillTimeout = 5 * time.Second

// copyBufferSize is the read size of a process's output pipe: large enough
// to batch many lines into one Mux write, small enough that the Mux's
// per-process scratch buffer is reused rather than reallocated (measured:
// 32 KiB halves the time and the peak memory of 256 KiB under load).
const copyBufferSize = 32 << 10

// Proc is one process of a group.
type Proc struct {
	// Name is printed before each of its lines ("web.1").
	Name string
	// Path, Args, Env and Dir are as in Config: Args[0] is resolved
	// against the PATH in Env when Path is empty, Env is the complete
	// environment, Dir the working directory (empty: vsync's).
	Path string
	Args []string
	Env  []string
	Dir  string
}

// GroupConfig describes the processes RunGroup runs together.
type GroupConfig struct {
	// Procs are started in this order; Procs[i] takes colour i.
	Procs []Proc
	// Out receives every line the processes write, stdout and stderr
	// together (one pipe per process, so their order is kept), and
	// vsync's own lines: a process's exit under its name, the stop and
	// kill announcements under "system". It must not be nil.
	Out *Mux
	// KillTimeout is the one grace period shared by every process between
	// SIGTERM and SIGKILL; zero means DefaultGroupKillTimeout.
	KillTimeout time.Duration
	// Signals carries the signals vsync received, as Config.Signals does.
	Signals <-chan os.Signal
}

// RunGroup runs the processes of cfg side by side, Foreman style, and
// returns when all of them and all of their descendants are gone.
//
// Starting: every command is resolved first (as Run does), then the
// processes are started in order. One that cannot be resolved or executed
// is reported under its own name, a line "vsync: ..." then "exited with
// code 127" (126 when not executable), and counts as a process that exited
// with that code: the others are started all the same, then stopped as
// for any exit, as Foreman's shell would have them. Each process leads
// its own process group, reads /dev/null, and writes into a pipe that
// RunGroup copies to Out line by line. On Linux each process
// gets SIGKILL should vsync die (PR_SET_PDEATHSIG, set from a thread that
// lives as long as RunGroup), and the process is a child subreaper while
// RunGroup runs, so that orphaned descendants are re-parented to it.
// Before the first process, a watchdog (/bin/sh, in its own process group)
// is started; it is told each process group on a pipe from vsync, and
// should vsync die without stopping the group (SIGKILL) it sends SIGKILL
// to every one, which reaches what the processes started in their groups;
// it is released once the group is gone (see startWatchdog).
// RunGroup reaps every child of the process with wait4(-1): nothing else
// in the process may start or wait for children while it runs.
//
// Each started process is announced under its name, "started with pid N".
//
// Stopping: when any process exits, once its exit line is out, RunGroup
// prints "web.1 exited with code 3: sending SIGTERM to all processes"; at
// the first stop signal (SIGTERM, SIGINT, SIGQUIT) on cfg.Signals, "SIGTERM
// received, starting shutdown" then "sending SIGTERM to all processes"
// (Foreman's words); when ctx is done, the latter only. Then every process
// group gets SIGTERM (then SIGCONT) once, at once, and so does every other
// child of the process; KillTimeout later, or at a second stop signal,
// SIGKILL, once. Every other forwarded signal (SIGHUP, SIGUSR1, the
// reload signal of --watch, ...) goes to each process itself, not to its
// group, as Foreman sends it to each pid and as Run does: a pre-fork
// server's master owns its workers' signals. When Out's reader is gone
// (Out.Closed), the processes are stopped as at a SIGINT, with exit code
// 128+SIGPIPE.
//
// Output: each process's lines go to Out as they come; once the process
// has exited, what it wrote is printed (its last line without a newline
// as a whole line), then "exited with code N" (or "killed by SIGNAME")
// under its name. A descendant that still holds its pipe may print
// after that line.
//
// Exit code: that of the first process that failed (a non-zero exit, or
// 128+N for death by signal N) before the stop began; else 128+N when a
// stop signal N (or a closed output, 141) stopped the group; else 0.
// Processes that die of the stop itself do not count. An error is returned only when RunGroup could not
// do its job (no processes, a pipe could not be made); its code is then 1.
func RunGroup(ctx context.Context, cfg GroupConfig) (int, error) {
	if len(cfg.Procs) == 0 {
		return 1, errors.New("launcher: no processes")
	}
	if cfg.Out == nil {
		return 1, errors.New("launcher: no output")
	}
	g := &group{cfg: &cfg, timeout: cfg.KillTimeout}
	if g.timeout <= 0 {
		g.timeout = DefaultGroupKillTimeout
	}
	paths := make([]string, len(cfg.Procs))
	failed := make([]error, len(cfg.Procs)) // a command that cannot run
	for i, p := range cfg.Procs {
		if len(p.Args) == 0 {
			return 1, fmt.Errorf("launcher: %s: empty command", p.Name)
		}
		path, err := p.Path, error(nil)
		if p.Dir != "" {
			if fi, serr := os.Stat(p.Dir); serr != nil {
				err = fmt.Errorf("working directory: %w", serr)
			} else if !fi.IsDir() {
				err = fmt.Errorf("working directory %q is not a directory: %w", p.Dir, ErrNotFound)
			}
		}
		if err == nil && path == "" {
			path, err = lookPath(p.Args[0], p.Env, p.Dir)
		}
		paths[i], failed[i] = path, err
	}
	if err := ctx.Err(); err != nil {
		return 1, err
	}
	return g.run(ctx, paths, failed)
}

// group is the state of one RunGroup call.
type group struct {
	cfg     *GroupConfig
	timeout time.Duration
	members []*member
	byPid   map[int]*member
	events  chan exitEvent
	reports sync.WaitGroup
	// watchdog kills the process groups should vsync die first; it is
	// released once vsync has no other child. Nil when there is none.
	watchdog *watchdog
	exits    int // members whose exit was reaped
}

// member is one started process.
type member struct {
	name    string
	pid     int // also its process group id
	out     *muxWriter
	r       *os.File      // vsync's end of its output pipe
	copied  chan struct{} // closed when the pipe is drained
	flushed chan struct{} // closed when what it wrote before its exit is out (see copyOut)
	gone    bool          // its process group is empty
}

// cannotStart reports a process that could not be started.
func (g *group) cannotStart(name string, err error, code int) {
	g.cfg.Out.System(name, "vsync: "+err.Error())
	g.cfg.Out.System(name, "exited with code "+strconv.Itoa(code))
}

// exitText is how a process's exit is told: "exited with code 3", or
// "killed by SIGSEGV".
func exitText(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + signalName(ws.Signal())
	}
	return "exited with code " + strconv.Itoa(ws.ExitStatus())
}

// startResult is what the starting thread reports for one process.
type startResult struct {
	m   *member
	err error
}

// run starts the processes, those whose failed entry is nil, and
// supervises them; the others are reported in their place.
func (g *group) run(ctx context.Context, paths []string, failed []error) (int, error) {
	if prev, err := setSubreaper(true); err == nil && !prev {
		defer func() { _, _ = setSubreaper(false) }()
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDONLY, 0)
	if err != nil {
		return 1, fmt.Errorf("launcher: %w", err)
	}
	defer null.Close()

	results := make(chan startResult)
	release := make(chan struct{})
	go g.startAll(paths, failed, null, results, release)
	defer close(release)

	code, firstFailed, fatal := g.collect(results)
	// The starting thread is done with the watchdog (results is closed).
	if len(g.members) == 0 {
		g.watchdog.stop()
		if fatal != nil {
			return 1, fatal
		}
		return code, nil
	}
	defer g.watchdog.release()
	g.events = make(chan exitEvent, 64)
	go reapChildren(-1, 0, g.events)

	stopNow, why := code != 0 || fatal != nil, firstFailed
	if why == "" && fatal != nil {
		why = fatal.Error()
	}
	c := g.supervise(ctx, stopNow, why)
	if code == 0 {
		code = c
	}
	g.drain()
	g.reports.Wait()
	if fatal != nil {
		return 1, fatal
	}
	return code, nil
}

// startAll starts the processes, those whose failed entry is nil, in
// order, and reports each (or its failed entry) on results, which it then
// closes. The parent-death signal fires when the thread that forked the
// child exits, not the process: every child is forked from this one
// locked thread, which stays alive until release is closed (the group is
// gone). The watchdog is started before the first process.
func (g *group) startAll(paths []string, failed []error, null *os.File, results chan<- startResult, release <-chan struct{}) {
	runtime.LockOSThread()
	tried := false // to start the watchdog
	for i, p := range g.cfg.Procs {
		if failed[i] != nil {
			results <- startResult{nil, &startErr{p.Name, failed[i]}}
			continue
		}
		if !tried {
			g.watchdog, tried = startWatchdog(null), true
		}
		m, err := g.start(p, paths[i], i, null)
		if err == nil {
			g.watchdog.watch(m.pid)
		}
		results <- startResult{m, err}
		var se *startErr
		if err != nil && !errors.As(err, &se) {
			break // RunGroup cannot do its job
		}
	}
	close(results)
	<-release
	runtime.UnlockOSThread()
}

// collect makes the group of the processes reported on results and prints
// those that could not start. code is the exit code of the first of these
// (127 unless not executable), firstFailed its line ("b.1 exited with code
// 127"); fatal is an error that keeps RunGroup from doing its job.
func (g *group) collect(results <-chan startResult) (code int, firstFailed string, fatal error) {
	g.byPid = map[int]*member{}
	for res := range results {
		if res.err != nil {
			var se *startErr
			if errors.As(res.err, &se) {
				c := codeFor(se.err)
				if c == 1 {
					c = ExitNotFound
				}
				g.cannotStart(se.name, se.err, c)
				if code == 0 {
					code = c // the first to fail decides
					firstFailed = se.name + " exited with code " + strconv.Itoa(c)
				}
			} else {
				fatal = res.err
			}
			continue
		}
		g.members = append(g.members, res.m)
		g.byPid[res.m.pid] = res.m
	}
	return code, firstFailed, fatal
}

// startErr is a process that could not be executed, reported on its line.
type startErr struct {
	name string
	err  error
}

func (e *startErr) Error() string { return e.name + ": " + e.err.Error() }

// start starts one process with its output pipe and the copy from it.
func (g *group) start(p Proc, path string, color int, null *os.File) (*member, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launcher: %w", err)
	}
	growPipe(w)
	env := p.Env
	if env == nil {
		env = []string{}
	}
	proc, err := os.StartProcess(path, p.Args, &os.ProcAttr{
		Dir:   p.Dir,
		Env:   env,
		Files: []*os.File{null, w, w},
		Sys:   groupSysProcAttr(),
	})
	_ = w.Close()
	if err != nil {
		_ = r.Close()
		return nil, &startErr{p.Name, startError(p.Args[0], err)}
	}
	pid := proc.Pid
	_ = proc.Release() // reaped with wait4(-1); Release clears Pid
	m := &member{
		name:    p.Name,
		pid:     pid,
		out:     g.cfg.Out.writer(p.Name, color),
		r:       r,
		copied:  make(chan struct{}),
		flushed: make(chan struct{}),
	}
	g.cfg.Out.System(p.Name, "started with pid "+strconv.Itoa(pid))
	go m.copyOut()
	return m, nil
}

// drain waits, for at most drainLimit, for every output pipe to reach EOF,
// then closes the read ends (which ends a copy still blocked: a process
// outside vsync's tree holds its pipe).
func (g *group) drain() {
	expired := make(chan struct{})
	t := time.AfterFunc(drainLimit, func() { close(expired) })
	defer t.Stop()
	for _, m := range g.members {
		select {
		case <-m.copied:
		case <-expired:
		}
	}
	for _, m := range g.members {
		_ = m.r.Close()
		<-m.copied
	}
}

// signalName is "SIGTERM" for SIGTERM, or "signal N" for a signal without
// a name.
func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}
