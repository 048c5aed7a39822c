package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The exact exit codes and signal contract of `vsync run`, with the test
// binary as both vsync (VSYNC_TEST_AS_VSYNC=1) and the helper child
// ("__child MODE", see child_test.go).

// vsyncRun returns a command running `vsync run [flags] -- TESTBIN __child
// CHILDARGS...` in an empty directory (dotenv-only mode, no .env).
func vsyncRun(t *testing.T, flags []string, child ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"run"}, flags...)
	args = append(args, "--", os.Args[0], "__child")
	args = append(args, child...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "CHILD_CANARY=CANARY_c0ffee")
	cmd.Dir = t.TempDir()
	return cmd
}

// exitCodeOf returns the exit code of a finished command.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		child []string
		want  int
	}{
		{[]string{"exit", "0"}, 0},
		{[]string{"exit", "3"}, 3},
		{[]string{"kill", "TERM"}, 143},
		{[]string{"kill", "KILL"}, 137},
		{[]string{"kill", "SEGV"}, 139},
	} {
		t.Run(strings.Join(tc.child, "-"), func(t *testing.T) {
			t.Parallel()
			cmd := vsyncRun(t, nil, tc.child...)
			out, err := cmd.CombinedOutput()
			if got := exitCodeOf(t, err); got != tc.want {
				t.Fatalf("exit code %d, want %d (output %q)", got, tc.want, out)
			}
			if strings.Contains(string(out), "vsync: error") {
				t.Errorf("a child's status must not print an error line: %q", out)
			}
		})
	}
}

func TestRunCommandErrors(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"run", "--", "no-such-command-vsync"}, 127, "not found"},
		{[]string{"run", "--", notExec}, 126, "not executable"},
		{[]string{"run"}, exitUsage, "no command given"},
		{[]string{"run", "--file-env", "x=Y", "--", "true"}, exitNotFound, "no file"},
	} {
		cmd := exec.Command(os.Args[0], tc.args...)
		cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if got := exitCodeOf(t, err); got != tc.want {
			t.Errorf("%v: exit %d, want %d (%q)", tc.args, got, tc.want, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[0], "vsync: error: ") || !strings.Contains(lines[0], tc.msg) {
			t.Errorf("%v: output %q, want one vsync: error line mentioning %q", tc.args, out, tc.msg)
		}
	}
}

// trapped is a running `vsync run -- child trap` with its output lines.
type trapped struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

func startTrap(t *testing.T, flags []string, trapArgs ...string) *trapped {
	t.Helper()
	return startTrapCmd(t, vsyncRun(t, flags, append([]string{"trap"}, trapArgs...)...))
}

// startTrapCmd starts cmd, a `vsync run -- child trap` (vsyncRun), and
// waits for the child's ready line.
func startTrapCmd(t *testing.T, cmd *exec.Cmd) *trapped {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr := &trapped{cmd: cmd, lines: make(chan string, 64), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			tr.lines <- sc.Text()
		}
		close(tr.lines)
		tr.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	tr.expect(t, "ready")
	return tr
}

// expect waits for the next output line and checks it.
func (tr *trapped) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got, ok := <-tr.lines:
		if !ok {
			t.Fatalf("output ended, want %q", want)
		}
		if got != want {
			t.Fatalf("child printed %q, want %q", got, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no %q from the child within 20s", want)
	}
}

// signal sends sig to vsync (not to the child).
func (tr *trapped) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := tr.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// exit waits for vsync to exit, checks that the child printed nothing more
// (so each signal arrived exactly once), and returns the exit code.
func (tr *trapped) exit(t *testing.T) int {
	t.Helper()
	var rest []string
	for l := range tr.lines {
		rest = append(rest, l)
	}
	if len(rest) > 0 {
		t.Errorf("child printed more than expected: %q", rest)
	}
	select {
	case err := <-tr.done:
		return exitCodeOf(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("vsync did not exit within 30s")
	}
	return -1
}

func TestRunForwardsSignalsOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sigs  []syscall.Signal
		names []string
		want  int
	}{
		{"term", []syscall.Signal{syscall.SIGTERM}, []string{"TERM"}, 143},
		{"int", []syscall.Signal{syscall.SIGINT}, []string{"INT"}, 130},
		{"hup-usr1-usr2-winch-then-term",
			[]syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGTERM},
			[]string{"HUP", "USR1", "USR2", "WINCH", "TERM"}, 143},
		// These crashed vsync with a Go runtime dump, or were swallowed.
		{"every-catchable-then-term", everyCatchableSignals, everyCatchableNames, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := startTrap(t, nil)
			for i, s := range tc.sigs {
				tr.signal(t, s)
				tr.expect(t, tc.names[i])
			}
			if got := tr.exit(t); got != tc.want {
				t.Fatalf("vsync exited %d, want %d", got, tc.want)
			}
		})
	}
}

// TestRunKeepsIgnoredSignals runs vsync as `nohup vsync run ... &` in a
// script would run it: SIGHUP and SIGINT inherited ignored, each alone and
// both, stay ignored for the child and are not forwarded (before, the
// child got them reset to their default and forwarded: nohup's HUP killed
// it). Only those two: the Go runtime does not keep another inherited
// ignore (USR2 here), so vsync forwards it, as README says.
func TestRunKeepsIgnoredSignals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, script string
		ignored      []syscall.Signal // sent first; the child must not see them
		forwarded    []syscall.Signal // sent after USR1; the child sees each
		stop         syscall.Signal
	}{
		{"nohup", `exec nohup "$@"`, []syscall.Signal{syscall.SIGHUP}, nil, syscall.SIGINT},
		{"trap-int", `trap "" INT; exec "$@"`, []syscall.Signal{syscall.SIGINT}, []syscall.Signal{syscall.SIGHUP}, syscall.SIGTERM},
		{"both", `trap "" INT; exec nohup "$@"`, []syscall.Signal{syscall.SIGHUP, syscall.SIGINT}, nil, syscall.SIGTERM},
		{"trap-usr2-not-kept", `trap "" USR2; exec "$@"`, nil, []syscall.Signal{syscall.SIGUSR2, syscall.SIGHUP}, syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := vsyncRun(t, nil, "trap")
			cmd.Args = append([]string{"/bin/sh", "-c", tc.script, "sh"}, cmd.Args...)
			cmd.Path = "/bin/sh"
			tr := startTrapCmd(t, cmd)
			for _, s := range tc.ignored {
				tr.signal(t, s)
			}
			tr.signal(t, syscall.SIGUSR1)
			tr.expect(t, "USR1") // none of the ignored ones before it
			for _, s := range append(tc.forwarded, tc.stop) {
				tr.signal(t, s)
				tr.expect(t, signalName(s))
			}
			if got, want := tr.exit(t), 128+int(tc.stop); got != want {
				t.Fatalf("vsync exited %d, want %d", got, want)
			}
		})
	}
}

func TestRunKillTimeout(t *testing.T) {
	t.Parallel()
	tr := startTrap(t, []string{"--kill-timeout", "300ms"}, "ignore")
	tr.signal(t, syscall.SIGTERM)
	tr.expect(t, "TERM")
	if got := tr.exit(t); got != 137 {
		t.Fatalf("vsync exited %d, want 137 (SIGKILL after the kill timeout)", got)
	}
}

func TestRunSecondStopSignalKills(t *testing.T) {
	t.Parallel()
	tr := startTrap(t, []string{"--kill-timeout", "1h"}, "ignore")
	tr.signal(t, syscall.SIGTERM)
	tr.expect(t, "TERM")
	tr.signal(t, syscall.SIGINT)
	if got := tr.exit(t); got != 137 {
		t.Fatalf("vsync exited %d, want 137 (SIGKILL at the second stop signal)", got)
	}
}

// TestRunAsPID1 runs vsync as PID 1 of a new PID namespace, as a container
// ENTRYPOINT: an orphaned grandchild is reparented to vsync and must not
// be left behind, and SIGTERM to PID 1 reaches the child, whose status is
// vsync's.
func TestRunAsPID1(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "orphan.pid")
	// The child is a shell script: it orphans a grandchild (which itself
	// exits at once, leaving a zombie for PID 1 to reap) and then becomes
	// the trap child.
	script := fmt.Sprintf("%s __child orphan %s; (true &); exec %s __child trap", os.Args[0], pidfile, os.Args[0])
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", os.Args[0], "run", "--kill-timeout", "5s", "--", "/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		_ = cmd.Wait()
		if strings.Contains(stderr.String(), "Operation not permitted") {
			t.Skip("no permission for PID namespaces here")
		}
		t.Fatalf("no ready line; stderr %q", stderr.String())
	}
	// vsync is unshare's child: PID 1 inside, some pid outside.
	vsyncPid := onlyChild(t, cmd.Process.Pid)
	if got := nsPid(t, vsyncPid); got != 1 {
		t.Fatalf("vsync is pid %d in its namespace, want 1", got)
	}
	orphan, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	orphanPid := nsToHostChild(t, vsyncPid, string(orphan))
	if orphanPid == 0 {
		t.Errorf("the orphaned grandchild was not reparented to vsync (PID 1)")
	}
	// The short-lived orphan "true" must be reaped by PID 1, not left a
	// zombie.
	deadline := time.Now().Add(10 * time.Second)
	for zombies := zombieChildren(vsyncPid); len(zombies) > 0; zombies = zombieChildren(vsyncPid) {
		if time.Now().After(deadline) {
			t.Fatalf("zombies %v left under PID 1", zombies)
		}
		time.Sleep(10 * time.Millisecond) // polling /proc with a deadline
	}
	if err := syscall.Kill(vsyncPid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !sc.Scan() || sc.Text() != "TERM" {
		t.Fatalf("the child did not report TERM; stderr %q", stderr.String())
	}
	for sc.Scan() {
		t.Errorf("unexpected output %q", sc.Text())
	}
	if got := exitCodeOf(t, cmd.Wait()); got != 143 {
		t.Fatalf("exit %d, want 143; stderr %q", got, stderr.String())
	}
	if orphanPid != 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", orphanPid)); err == nil {
			t.Errorf("orphaned grandchild %d still exists after vsync exited", orphanPid)
		}
	}
}

// onlyChild returns the single child of pid, waiting for it to appear.
func onlyChild(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		if f := strings.Fields(string(b)); len(f) == 1 {
			n, _ := strconv.Atoi(f[0])
			return n
		}
		time.Sleep(10 * time.Millisecond) // polling /proc with a deadline
	}
	t.Fatalf("pid %d has no single child", pid)
	return 0
}

// nsPid returns the innermost namespace pid of host pid.
func nsPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "NSpid:" {
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	t.Fatal("no NSpid line")
	return 0
}

// nsToHostChild finds the host pid of a direct child of parent whose
// namespace pid is nsPidText (0 when it is already gone).
func nsToHostChild(t *testing.T, parent int, nsPidText string) int {
	t.Helper()
	want, _ := strconv.Atoi(strings.TrimSpace(nsPidText))
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", parent, parent))
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		if nsPid(t, n) == want {
			return n
		}
	}
	return 0
}

// zombieChildren lists the children of pid in state Z.
func zombieChildren(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var z []int
	for _, f := range strings.Fields(string(b)) {
		st, _ := os.ReadFile("/proc/" + f + "/stat")
		// pid (comm) STATE ...: the state follows the last ')'.
		if i := strings.LastIndexByte(string(st), ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			n, _ := strconv.Atoi(f)
			z = append(z, n)
		}
	}
	return z
}
