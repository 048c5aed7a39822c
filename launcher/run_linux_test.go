//go:build linux

package launcher_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"vsync/launcher"
)

// failAfter bounds every wait in these tests; reaching it is a failure, not
// a synchronisation.
const failAfter = 30 * time.Second

// running is a Run call in progress with a helper child whose stdout the
// test reads line by line.
type running struct {
	t     *testing.T
	sigs  chan os.Signal
	lines chan string
	done  chan result
}

type result struct {
	code int
	err  error
}

// start runs a helper in mode through launcher.Run. cfg may preset fields;
// Path, Env (unless set), Stdout and Signals are filled in.
func start(t *testing.T, mode, arg string, cfg launcher.Config) *running {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rn := &running{
		t:     t,
		sigs:  make(chan os.Signal, 4),
		lines: make(chan string, 64),
		done:  make(chan result, 1),
	}
	go func() {
		defer close(rn.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			rn.lines <- sc.Text()
		}
		r.Close()
	}()
	cfg.Path = testExe
	cfg.Args = []string{"helper-" + mode}
	if cfg.Env == nil {
		cfg.Env = []string{noRaceSleep, "LAUNCHER_HELPER=" + mode, "LAUNCHER_ARG=" + arg}
	}
	cfg.Stdout = w
	cfg.Stderr = os.Stderr
	cfg.Signals = rn.sigs
	go func() {
		code, err := launcher.Run(context.Background(), cfg)
		w.Close()
		rn.done <- result{code, err}
	}()
	return rn
}

// expect reads the child's next line and fails unless it is want.
func (rn *running) expect(want string) {
	rn.t.Helper()
	select {
	case got, ok := <-rn.lines:
		if !ok {
			rn.t.Fatalf("child output ended, want %q", want)
		}
		if got != want {
			rn.t.Fatalf("child printed %q, want %q", got, want)
		}
	case <-time.After(failAfter):
		rn.t.Fatalf("no line %q within %v", want, failAfter)
	}
}

// next returns the child's next line.
func (rn *running) next() string {
	rn.t.Helper()
	select {
	case got, ok := <-rn.lines:
		if !ok {
			rn.t.Fatal("child output ended")
		}
		return got
	case <-time.After(failAfter):
		rn.t.Fatalf("no output within %v", failAfter)
	}
	return ""
}

// wait returns Run's result and any output not read yet.
func (rn *running) wait() (int, error, []string) {
	rn.t.Helper()
	var res result
	select {
	case res = <-rn.done:
	case <-time.After(failAfter):
		rn.t.Fatalf("Run did not return within %v", failAfter)
	}
	var rest []string
	for l := range rn.lines {
		rest = append(rest, l)
	}
	return res.code, res.err, rest
}

// waitCode fails unless Run returned code, no error and no further output.
func (rn *running) waitCode(want int) {
	rn.t.Helper()
	code, err, rest := rn.wait()
	if err != nil || code != want || len(rest) != 0 {
		rn.t.Fatalf("Run = %d, %v with further output %q; want %d, nil, none", code, err, rest, want)
	}
}

func TestExitStatus(t *testing.T) {
	for _, n := range []int{0, 3, 42} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			start(t, "exit", strconv.Itoa(n), launcher.Config{}).waitCode(n)
		})
	}
}

func TestDiedOfSegv(t *testing.T) {
	start(t, "segv", "", launcher.Config{}).waitCode(128 + 11)
}

// Each forwarded signal reaches the child exactly once: the child echoes
// it, and the next one is sent only after the echo, so a duplicate would
// show up as an extra line.
func TestForwardExactlyOnce(t *testing.T) {
	rn := start(t, "trap", "", launcher.Config{})
	rn.expect("ready")
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH} {
		rn.sigs <- s
		rn.expect(sigName(s))
	}
	rn.sigs <- syscall.SIGTERM
	rn.expect("TERM")
	rn.waitCode(128 + 15)
}

func TestInterrupt(t *testing.T) {
	rn := start(t, "trap", "", launcher.Config{})
	rn.expect("ready")
	rn.sigs <- syscall.SIGINT
	rn.expect("INT")
	rn.waitCode(128 + 2)
}

func TestNotForwarded(t *testing.T) {
	rn := start(t, "trap", "", launcher.Config{})
	rn.expect("ready")
	rn.sigs <- syscall.SIGCHLD
	rn.sigs <- syscall.SIGURG
	rn.sigs <- syscall.SIGUSR1
	rn.expect("USR1") // not CHLD or URG first
	rn.sigs <- syscall.SIGQUIT
	rn.expect("QUIT")
	rn.waitCode(128 + 3)
}

// ForwardedSignals is every catchable signal but those the runtime or the
// wrapper needs: the ones that crashed vsync (Go runtime dump) or were
// swallowed are in, CHLD, URG, PROF, the runtime's real-time signals and
// the job-control stops are out.
func TestForwardedSignals(t *testing.T) {
	got := launcher.ForwardedSignals()
	for _, s := range []syscall.Signal{syscall.SIGCHLD, syscall.SIGURG, syscall.SIGKILL, syscall.SIGSTOP,
		syscall.SIGPROF, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, 32, 33, 34} {
		if slices.Contains(got, os.Signal(s)) {
			t.Errorf("ForwardedSignals contains %v", s)
		}
	}
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGABRT, syscall.SIGILL, syscall.SIGTRAP,
		syscall.SIGBUS, syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSTKFLT, syscall.SIGSYS, syscall.SIGALRM,
		syscall.SIGPIPE, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM, syscall.SIGIO, syscall.SIGPWR,
		syscall.SIGCONT, 35, 64} {
		if !slices.Contains(got, os.Signal(s)) {
			t.Errorf("ForwardedSignals lacks %v", s)
		}
	}
	if len(got) != 31-8+30 {
		t.Errorf("ForwardedSignals = %v (%d), want %d signals", got, len(got), 31-8+30)
	}
}

// familyLines starts the family helper (a trap child and a trap grandchild
// in the child's process group), sends sigs then SIGTERM on the channel,
// and returns every line printed after the two ready lines, sorted, and
// Run's code. Each signal is sent once the perSignal lines of the one
// before were read (1: the child's; 2: the child's and the grandchild's,
// in either order), so that the stop signal cannot overtake a signal a
// process has not printed yet.
func familyLines(t *testing.T, cfg launcher.Config, perSignal int, sigs ...syscall.Signal) ([]string, int) {
	t.Helper()
	rn := start(t, "family", "", cfg)
	ready := []string{rn.next(), rn.next()}
	sort.Strings(ready)
	if !slices.Equal(ready, []string{"grandchild ready", "ready"}) {
		t.Fatalf("ready lines %q", ready)
	}
	var lines []string
	for _, s := range sigs {
		rn.sigs <- s
		for range perSignal {
			lines = append(lines, rn.next())
		}
	}
	rn.sigs <- syscall.SIGTERM
	code, err, rest := rn.wait()
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, rest...)
	sort.Strings(lines)
	return lines, code
}

// Forwarded signals go to the child alone, as tini does: a grandchild in
// the child's process group (a pre-fork server's worker) gets none of
// them, only the clean-up TERM once the child is gone.
func TestForwardToChildOnly(t *testing.T) {
	lines, code := familyLines(t, launcher.Config{}, 1, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGALRM)
	// The clean-up sends the group SIGTERM then SIGCONT (so that a stopped
	// process acts on it): the grandchild may print the CONT before it
	// dies. The child, which was running, gets no CONT.
	lines = slices.DeleteFunc(lines, func(l string) bool { return l == "grandchild CONT" })
	want := []string{"ALRM", "HUP", "TERM", "USR1", "grandchild TERM"}
	if code != 143 || !slices.Equal(lines, want) {
		t.Fatalf("Run = %d with lines %q; want 143, %q", code, lines, want)
	}
}

// With SignalGroup (tini -g) every forwarded signal, and the stop signal,
// goes to the whole process group.
func TestSignalGroup(t *testing.T) {
	lines, code := familyLines(t, launcher.Config{SignalGroup: true}, 2, syscall.SIGHUP, syscall.SIGUSR1)
	// The SIGCONT that follows the stop signal may be seen before death.
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasSuffix(l, "CONT") })
	// The child's line comes first, not necessarily the grandchild's:
	// count, not order.
	want := []string{"HUP", "TERM", "USR1", "grandchild HUP", "grandchild TERM", "grandchild USR1"}
	if code != 143 || !slices.Equal(lines, want) {
		t.Fatalf("Run = %d with lines %q; want 143, %q", code, lines, want)
	}
}

// A child that ignores SIGTERM is killed when KillTimeout expires.
func TestKillTimeout(t *testing.T) {
	rn := start(t, "ignore-term", "", launcher.Config{KillTimeout: 200 * time.Millisecond})
	rn.expect("ready")
	rn.sigs <- syscall.SIGTERM
	rn.expect("TERM")
	rn.waitCode(128 + 9)
}

// A second stop signal kills at once: with a one-hour timeout only the
// second signal can explain a SIGKILL.
func TestSecondStopSignalKills(t *testing.T) {
	rn := start(t, "ignore-term", "", launcher.Config{KillTimeout: time.Hour})
	rn.expect("ready")
	rn.sigs <- syscall.SIGTERM
	rn.expect("TERM")
	rn.sigs <- syscall.SIGINT
	rn.waitCode(128 + 9)
}

// Cancelling the context sends KillSignal, and SIGKILL after KillTimeout
// when the child ignores it (the trap helper only prints USR2).
func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan result, 1)
	go func() {
		code, err := launcher.Run(ctx, launcher.Config{
			Path:        testExe,
			Args:        []string{"trap"},
			Env:         []string{noRaceSleep, "LAUNCHER_HELPER=trap"},
			Stdout:      w,
			KillSignal:  syscall.SIGUSR2,
			KillTimeout: 200 * time.Millisecond,
		})
		w.Close()
		done <- result{code, err}
	}()
	br := bufio.NewReader(r)
	if l, _ := br.ReadString('\n'); l != "ready\n" {
		t.Fatalf("got %q, want ready", l)
	}
	cancel()
	if l, _ := br.ReadString('\n'); l != "USR2\n" {
		t.Fatalf("got %q, want USR2", l)
	}
	select {
	case res := <-done:
		if res.code != 128+9 || res.err != nil {
			t.Fatalf("Run = %+v, want 137", res)
		}
	case <-time.After(failAfter):
		t.Fatal("Run did not return")
	}
}

func TestNotFound(t *testing.T) {
	for _, name := range []string{"vsync-no-such-command", "./no/such/file", "/no/such/file"} {
		code, err := launcher.Run(context.Background(), launcher.Config{
			Args: []string{name},
			Env:  []string{"PATH=/usr/bin:/bin"},
		})
		if !errors.Is(err, launcher.ErrNotFound) || code != 127 {
			t.Errorf("%s: Run = %d, %v; want 127, ErrNotFound", name, code, err)
		}
	}
}

func TestNotExecutable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "garbage"), []byte("\x00\x01\x02 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []launcher.Config{
		{Args: []string{"plain"}, Env: []string{"PATH=" + dir}},
		{Args: []string{filepath.Join(dir, "plain")}},
		{Args: []string{dir}},
		{Args: []string{"./garbage"}, Dir: dir},
	} {
		code, err := launcher.Run(context.Background(), c)
		if !errors.Is(err, launcher.ErrNotExecutable) || code != 126 {
			t.Errorf("%v: Run = %d, %v; want 126, ErrNotExecutable", c.Args, code, err)
		}
	}
}

// The command is looked up in the child's PATH, not vsync's.
func TestChildPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(testExe, filepath.Join(dir, "vsync-test-helper")); err != nil {
		t.Fatal(err)
	}
	if _, err := launcher.Run(context.Background(), launcher.Config{
		Args: []string{"vsync-test-helper"}, Env: []string{"PATH=/nonexistent"},
	}); !errors.Is(err, launcher.ErrNotFound) {
		t.Fatalf("without the dir in PATH: %v, want ErrNotFound", err)
	}
	code, err := launcher.Run(context.Background(), launcher.Config{
		Args: []string{"vsync-test-helper"},
		Env:  []string{noRaceSleep, "PATH=/nonexistent:" + dir, "LAUNCHER_HELPER=exit", "LAUNCHER_ARG=7"},
	})
	if err != nil || code != 7 {
		t.Fatalf("Run = %d, %v; want 7, nil", code, err)
	}
}

// The child gets exactly Env: nothing of vsync's environment.
func TestExactEnvironment(t *testing.T) {
	t.Setenv("VSYNC_LEAK_CANARY", "must-not-reach-the-child")
	var out bytes.Buffer
	env := []string{"LAUNCHER_HELPER=printenv", "B=two words", "A=1", "EMPTY=", noRaceSleep}
	code, err := launcher.Run(context.Background(), launcher.Config{
		Path: testExe, Args: []string{"printenv"}, Env: env, Stdout: &out, Stderr: &out,
	})
	if err != nil || code != 0 {
		t.Fatalf("Run = %d, %v", code, err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	sort.Strings(got)
	want := slices.Clone(env)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("child environment %q, want %q", got, want)
	}
}

// An orphaned grandchild in the child's process group is stopped and
// reaped before Run returns.
func TestOrphanInGroupReaped(t *testing.T) {
	rn := start(t, "orphan", "", launcher.Config{Subreaper: true})
	pid, _ := strconv.Atoi(rn.next())
	rn.waitCode(0)
	assertGone(t, pid)
}

// An orphan that left the process group (new session) and ignores SIGTERM
// is still found, as a child of the subreaper, and killed.
func TestEscapedOrphanKilled(t *testing.T) {
	rn := start(t, "orphan", "setsid-ignore", launcher.Config{Subreaper: true, KillTimeout: 200 * time.Millisecond})
	pid, _ := strconv.Atoi(rn.next())
	rn.waitCode(0)
	assertGone(t, pid)
}

// Without subreaper, what is left of the group is still stopped.
func TestOrphanInGroupStoppedWithoutSubreaper(t *testing.T) {
	rn := start(t, "orphan", "", launcher.Config{})
	pid, _ := strconv.Atoi(rn.next())
	rn.waitCode(0)
	if s := procState(pid); s != "" && s != "Z" {
		t.Fatalf("grandchild %d still running (state %s)", pid, s)
	}
}

// assertGone fails unless pid no longer exists at all (reaped, no zombie).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatal("no grandchild pid")
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Fatalf("grandchild %d still exists (state %s)", pid, procState(pid))
	}
}

// A stopped child still acts on the stop signal: Run follows it with
// SIGCONT. With a one-hour KillTimeout, 143 can only come from SIGTERM.
func TestStopSignalReachesStoppedChild(t *testing.T) {
	rn := start(t, "stopped", "", launcher.Config{KillTimeout: time.Hour})
	pid, _ := strconv.Atoi(rn.next())
	deadline := time.Now().Add(failAfter)
	for procState(pid) != "T" {
		if time.Now().After(deadline) {
			t.Fatalf("child %d never stopped (state %q)", pid, procState(pid))
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
	rn.sigs <- syscall.SIGTERM
	rn.waitCode(128 + 15)
}

// With LastRun, Run returns once the child's tree is gone without waiting
// for the released watchdog (stopped here, so that it cannot exit), and
// its reaper, still waiting, takes nothing from a Run that follows.
func TestLastRunDoesNotWaitForWatchdog(t *testing.T) {
	wd := 0
	cfg := launcher.Config{Subreaper: true, LastRun: true, Started: func(int) {
		wd = watchdogPid()
		if wd != 0 {
			_ = syscall.Kill(wd, syscall.SIGSTOP)
		}
	}}
	start(t, "exit", "3", cfg).waitCode(3)
	if wd == 0 {
		t.Fatal("no watchdog among the children of the process")
	}
	t.Cleanup(func() { _ = syscall.Kill(wd, syscall.SIGKILL) })
	// The next Run reaps the old watchdog as an orphan, after stopping it.
	start(t, "exit", "7", launcher.Config{Subreaper: true}).waitCode(7)
}

// watchdogPid finds the watchdog among the children of the process.
func watchdogPid() int {
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			cmd, _ := os.ReadFile("/proc/" + s + "/cmdline")
			if bytes.HasPrefix(cmd, []byte("vsync-watchdog\x00")) {
				pid, _ := strconv.Atoi(s)
				return pid
			}
		}
	}
	return 0
}
