package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunKilledLeavesNothing kills `vsync run` with SIGKILL (not as PID 1)
// while its child, a shell, runs a worker in its process group and one
// that escaped it (setsid). The child and its group must be gone within
// a few seconds, by the parent-death signal and the watchdog (before, the
// child lived on under init). The escaped process still uses the private
// files: the next vsync must not remove them while it lives, and removes
// them once it is gone.
func TestRunKilledLeavesNothing(t *testing.T) {
	_, proj, env, _ := dirProject(t)
	secret := filepath.Join(proj, "infra", "vault", "prod", "gcp-sa.json")
	if err := os.WriteFile(secret, []byte(`{"type":"service_account"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	vsyncIn(t, proj, env, "push", "prod", "--note", "sa")

	script := `sleep 300 & w=$!; setsid sleep 301 & echo "$$ $w $! $GCP_SA_JSON_FILE"; wait`
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--", "/bin/sh", "-c", script)
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no line from the child: %v", err)
	}
	f := strings.Fields(line)
	if len(f) != 4 {
		t.Fatalf("child printed %q", line)
	}
	var pids [3]int
	for i := range pids {
		if pids[i], err = strconv.Atoi(f[i]); err != nil {
			t.Fatal(err)
		}
	}
	shell, worker, escaped, file := pids[0], pids[1], pids[2], f[3]
	// The shell prints its line once it has forked setsid(1), which may
	// not have left the group yet: killed before, the watchdog's SIGKILL
	// to the group would reach it too.
	waitOwnSession(t, escaped)
	// A handle (a pidfd), not the pid: once the process is dead its pid
	// may be another's, on a busy machine soon.
	esc, err := os.FindProcess(escaped)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = esc.Kill() })

	killed := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, p := range []int{shell, worker} {
		waitDead(t, p)
	}
	t.Logf("child and worker gone %v after vsync was killed", time.Since(killed).Round(time.Millisecond))
	if dead(escaped) {
		t.Fatal("the escaped process died: the test shows nothing")
	}

	// The next vsync sweeps stale private directories: not this one yet.
	vsyncIn(t, proj, env, "run", "--env", "prod", "--", "true")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the private file of a live process was removed: %v", err)
	}
	if err := esc.Kill(); err != nil {
		t.Fatal(err)
	}
	waitDead(t, escaped)
	vsyncIn(t, proj, env, "run", "--env", "prod", "--", "true")
	if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
		t.Fatalf("the stale private directory is still there: %v", err)
	}
}

// waitOwnSession waits (polling, with a deadline as the failure bound)
// until pid leads a session of its own.
func waitOwnSession(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, ok := procStat(strconv.Itoa(pid))
		if !ok {
			t.Fatalf("pid %d is gone", pid)
		}
		if st.session == pid {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not leave its session within 20s: %+v", pid, st)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
}

// dead reports whether pid is gone or a zombie.
func dead(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// waitDead waits (polling, with a deadline as the failure bound) until pid
// is dead.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !dead(pid) {
		if time.Now().After(deadline) {
			stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			t.Fatalf("pid %d still alive 20s after vsync was killed: %s", pid, stat)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
}
