//go:build linux

package launcher_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"vsync/internal/testsupport"
)

// TestPID1 runs a small vsync (the "wrap" helper) as PID 1 of a new PID
// namespace, as a container ENTRYPOINT runs. Its child makes an orphan that
// exits: PID 1 must reap it, leaving no zombie. Then SIGTERM to PID 1 must
// stop the child, and vsync must exit with the child's code, 143, leaving
// no process behind.
func TestPID1(t *testing.T) {
	if out, err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "true").CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("Operation not permitted")) || errors.Is(err, exec.ErrNotFound) {
			t.Skipf("cannot create a PID namespace here (needs root or user namespaces): %v: %s", err, out)
		}
		t.Fatalf("unshare: %v: %s", err, out)
	}
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", testExe)
	// Subreaper off: reaping must come from being PID 1.
	cmd.Env = []string{noRaceSleep, "LAUNCHER_HELPER=wrap", "LAUNCHER_CHILD=pid1-child", "LAUNCHER_SUBREAPER=0"}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := testsupport.Lines(stdout)
	next := func() string {
		t.Helper()
		return testsupport.NextLine(t, lines, failAfter, nil)
	}
	expect := func(want string) {
		t.Helper()
		if got := next(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	expect("orphan reaped")
	expect("zombies: []")
	expect("ready")

	// unshare --fork does not forward signals: find PID 1 of the new
	// namespace (unshare's only child) and signal it directly.
	pid1 := onlyChild(t, cmd.Process.Pid)
	if err := syscall.Kill(pid1, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("TERM")
	expect("wrapper-signals: [TERM]")
	expect("leftover: []")
	expect("code=143 err=<nil>")
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 {
		t.Fatalf("unshare exited with %v, want status 143", err)
	}
}

// onlyChild returns the single child of pid.
func onlyChild(t *testing.T, pid int) int {
	t.Helper()
	var kids []int
	for _, p := range pids() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, p)
		}
	}
	if len(kids) != 1 {
		t.Fatalf("process %d has children %v, want one", pid, kids)
	}
	return kids[0]
}
