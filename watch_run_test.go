package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// vsyncIn runs the test binary as vsync in dir with env and returns its
// combined output, failing the test when it does not exit 0.
func vsyncIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir, cmd.Env = dir, append(env, "VSYNC_TEST_AS_VSYNC=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vsync %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// waitForFile waits (polling, with a deadline) until path matches re.
func waitForFile(t *testing.T, path, re string) string {
	t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if m := rx.FindStringSubmatch(string(data)); m != nil {
			return m[len(m)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no match for %q in %s within 20s; it holds:\n%s", re, path, data)
		}
		time.Sleep(20 * time.Millisecond) // polling a file with a deadline
	}
}

// TestWatchRestartLeavesNothingOfTheOldChild: the child of generation 1
// orphans a grandchild (reparented to vsync, a child subreaper, or PID 1
// of a new PID namespace as a container ENTRYPOINT) and a short-lived one
// that PID 1 must reap; the restart for generation 2 stops the grandchild
// too, before the new child starts, and vsync's exit stops generation 2's.
// On the directory backend, so it needs no MinIO.
func TestWatchRestartLeavesNothingOfTheOldChild(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	t.Run("subreaper", func(t *testing.T) { watchRestart(t, false) })
	t.Run("pid1", func(t *testing.T) {
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("unshare not installed")
		}
		if err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "true").Run(); err != nil {
			t.Skipf("no PID namespaces here: %v", err)
		}
		watchRestart(t, true)
	})
}

// dirProject makes a project whose env prod lives in a directory-backend
// profile, pushed once with A=1. push pushes A=a as the next generation;
// env is the environment for the test binary as vsync.
func dirProject(t *testing.T) (root, proj string, env []string, push func(a string)) {
	t.Helper()
	root = t.TempDir()
	proj = filepath.Join(root, "proj")
	for _, d := range []string{proj, filepath.Join(root, "vaults"), filepath.Join(root, "home"), filepath.Join(root, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env = append(os.Environ(), "HOME="+filepath.Join(root, "home"), "XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"XDG_RUNTIME_DIR="+filepath.Join(root, "run"), "VSYNC_AUTHOR=t@example.com")
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=10") // under -race each vsync would sleep 1s at exit
	}
	vsyncIn(t, proj, env, "profile", "add", "local", "--dir", filepath.Join(root, "vaults"))
	vsyncIn(t, proj, env, "init", "prod", "--profile", "local", "--prefix", "app")
	dotenv := filepath.Join(proj, "infra", "vault", "prod", ".env.prod")
	push = func(a string) {
		t.Helper()
		if err := os.WriteFile(dotenv, []byte("A="+a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		vsyncIn(t, proj, env, "push", "prod", "--note", "A="+a)
	}
	push("1")
	return root, proj, env, push
}

func watchRestart(t *testing.T, pid1 bool) {
	root, proj, env, push := dirProject(t)
	log := filepath.Join(root, "log")
	script := `"$0" __child orphan "$1/orphan.$VSYNC_GENERATION" && (true &) && exec "$0" __child watch "$1/log" A NO_FILE`
	argv := []string{os.Args[0], "run", "--env", "prod", "--watch=200ms", "--kill-timeout", "5s", "--",
		"/bin/sh", "-c", script, os.Args[0], root}
	if pid1 {
		argv = append([]string{"unshare", "--pid", "--fork", "--mount-proc"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	vsyncPid := cmd.Process.Pid
	if pid1 {
		vsyncPid = onlyChild(t, cmd.Process.Pid) // unshare's child
		if got := nsPid(t, vsyncPid); got != 1 {
			t.Fatalf("vsync is pid %d in its namespace, want 1", got)
		}
	}
	// pidOf is the host pid of the grandchild whose pid file is file.
	pidOf := func(file string) int {
		t.Helper()
		s := waitForFile(t, file, `^(\d+)$`)
		if pid1 {
			return nsToHostChild(t, vsyncPid, s)
		}
		pid, _ := strconv.Atoi(s)
		return pid
	}
	noZombies := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for z := zombieChildren(vsyncPid); len(z) > 0; z = zombieChildren(vsyncPid) {
			if time.Now().After(deadline) {
				t.Fatalf("zombies %v left under vsync", z)
			}
			time.Sleep(10 * time.Millisecond) // polling /proc with a deadline
		}
	}
	waitForFile(t, log, `^start pid=\d+ gen=1 A=1 `)
	orphan1 := pidOf(filepath.Join(root, "orphan.1"))
	if _, err := os.Stat("/proc/" + strconv.Itoa(orphan1)); orphan1 == 0 || err != nil {
		t.Fatalf("generation 1's grandchild %d is not running under vsync: %v", orphan1, err)
	}
	noZombies()

	push("2")
	waitForFile(t, log, `^start pid=\d+ gen=2 A=2 `)
	checkGone(t, []int{orphan1}) // gone before generation 2 started
	orphan2 := pidOf(filepath.Join(root, "orphan.2"))
	if _, err := os.Stat("/proc/" + strconv.Itoa(orphan2)); orphan2 == 0 || err != nil {
		t.Fatalf("generation 2's grandchild %d is not running under vsync: %v", orphan2, err)
	}
	noZombies()

	if err := syscall.Kill(vsyncPid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if got := exitCodeOf(t, err); got != 143 {
			t.Errorf("exit %d, want the child's 143; stderr %q", got, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("vsync did not exit")
	}
	checkGone(t, []int{orphan2})
	if got, want := stderr.String(), "vsync: generation 2: restarted (variables changed)\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	data, _ := os.ReadFile(log)
	if n := strings.Count(string(data), "TERM pid="); n != 2 {
		t.Errorf("the children logged %d TERMs, want one each:\n%s", n, data)
	}
}
