//go:build linux

package launcher_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"vsync/internal/testsupport"
)

// wrapped is a small vsync (the "wrap" helper) run with real signals, its
// child's stdout read line by line.
type wrapped struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines <-chan string
}

// startWrap starts the wrap helper around the child helper mode, through
// prefix (a command such as nohup that execs the rest) when given.
func startWrap(t *testing.T, child string, prefix ...string) *wrapped {
	t.Helper()
	args := append(prefix, testExe)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = []string{noRaceSleep, "LAUNCHER_HELPER=wrap", "LAUNCHER_CHILD=" + child}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return &wrapped{t: t, cmd: cmd, lines: testsupport.Lines(out)}
}

// expect fails unless the next line is want.
func (w *wrapped) expect(want string) {
	w.t.Helper()
	got := testsupport.NextLine(w.t, w.lines, failAfter, func() string { return fmt.Sprintf("want %q (vsync crashed?)", want) })
	if got != want {
		w.t.Fatalf("got %q, want %q", got, want)
	}
}

// kill sends sig to the wrapper (vsync), not to its child.
func (w *wrapped) kill(sig syscall.Signal) {
	w.t.Helper()
	if err := w.cmd.Process.Signal(sig); err != nil {
		w.t.Fatal(err)
	}
}

// exit waits for the wrapper and returns its exit code.
func (w *wrapped) exit() int {
	w.t.Helper()
	for range w.lines {
	}
	err := w.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		w.t.Fatal(err)
	}
	return w.cmd.ProcessState.ExitCode()
}

// Every catchable signal sent to vsync with kill is forwarded to the
// child, one at a time, and none crashes vsync: SIGABRT, SIGSEGV, SIGBUS,
// SIGILL, SIGFPE, SIGTRAP, SIGSYS and SIGSTKFLT used to end it with a Go
// runtime dump (exit 2), leaving the child orphaned; SIGALRM, SIGPIPE and
// the others were swallowed.
func TestEveryCatchableSignalForwarded(t *testing.T) {
	w := startWrap(t, "trap")
	w.expect("ready")
	sigs := []syscall.Signal{syscall.SIGABRT, syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS,
		syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSTKFLT, syscall.SIGSYS, syscall.SIGALRM,
		syscall.SIGPIPE, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM, syscall.SIGIO,
		syscall.SIGPWR, syscall.SIGCONT, syscall.SIGHUP, syscall.SIGUSR1, 35, 50, 64}
	var names []string
	for _, s := range sigs {
		w.kill(s)
		w.expect(sigName(s))
		names = append(names, sigName(s))
	}
	w.kill(syscall.SIGTERM)
	w.expect("TERM")
	w.expect("wrapper-signals: [" + strings.Join(names, " ") + " TERM]")
	w.expect("code=143 err=<nil>")
	if code := w.exit(); code != 143 {
		t.Fatalf("vsync exited %d, want 143", code)
	}
}

// A signal vsync inherited as ignored stays ignored for the child and is
// never forwarded (nohup's SIGHUP, and the SIGINT a non-interactive shell
// ignores for "cmd &"); the others are reset to their default.
func TestInheritedIgnoredSignals(t *testing.T) {
	w := startWrap(t, "trap", "/bin/sh", "-c", `trap "" INT; exec nohup "$@"`, "sh")
	w.expect("ready")
	child := childOf(t, w.cmd.Process.Pid)
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT} {
		w.kill(s)                  // vsync must not pass it on,
		_ = syscall.Kill(child, s) // and the child must ignore it too
	}
	w.kill(syscall.SIGUSR1)
	w.expect("USR1") // not HUP or INT first, and the child is alive
	if ign := sigIgnored(t, child); ign&(1<<(syscall.SIGHUP-1)) == 0 || ign&(1<<(syscall.SIGINT-1)) == 0 {
		t.Errorf("child's ignored signals %#x, want HUP and INT", ign)
	} else if ign&^(1<<(syscall.SIGHUP-1)|1<<(syscall.SIGINT-1)) != 0 {
		t.Errorf("child's ignored signals %#x, want only HUP and INT", ign)
	}
	w.kill(syscall.SIGTERM)
	w.expect("TERM")
	w.expect("wrapper-signals: [USR1 TERM]")
	w.expect("code=143 err=<nil>")
	if code := w.exit(); code != 143 {
		t.Fatalf("vsync exited %d, want 143", code)
	}
}

// childOf returns the child of pid that runs this test binary (not the
// watchdog).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	for _, p := range pids() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			if exe, _ := os.Readlink("/proc/" + strconv.Itoa(p) + "/exe"); exe == testExe {
				return p
			}
		}
	}
	t.Fatalf("process %d has no child running %s", pid, testExe)
	return 0
}

// sigIgnored returns the SigIgn mask of pid from /proc/pid/status.
func sigIgnored(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "SigIgn:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no SigIgn line")
	return 0
}
