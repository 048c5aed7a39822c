package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRunSignalAtPrivateDir sends a signal whose default action would end
// vsync (SIGHUP, SIGTERM, SIGQUIT, SIGUSR1, a real-time one) to `vsync
// run` and `vsync start` at the moment their private directory appears
// (inotify on the private base): with a small bundle (the directory is
// made after the fetch), a big one (made during the fetch, its files
// written as it is decrypted) and --local. Every signal is subscribed
// before the directory is made, so none ends vsync there: it is relayed
// once the children are started (a stop signal stops them, any other
// reaches them and they die of it), vsync exits with 128+n (run: the
// child's death by n; start: stopped by n or a process killed by n),
// and the private directory is gone. Before, the signals were subscribed
// on a goroutine that the directory did not wait for.
func TestRunSignalAtPrivateDir(t *testing.T) {
	root, proj, env, _ := dirProject(t)
	vsyncIn(t, proj, env, "init", "big", "--profile", "local", "--prefix", "app")
	big := make([]byte, 3<<20)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(proj, "infra", "vault", "big", "big.bin"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "infra", "vault", "prod", "key.pem"), []byte("KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	vsyncIn(t, proj, env, "push", "prod", "--note", "key")
	vsyncIn(t, proj, env, "push", "big", "--note", "big")
	if err := os.WriteFile(filepath.Join(proj, "Procfile"), []byte("web: exec sleep 300\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(root, "run")
	child := []string{"--", "/bin/sh", "-c", "exec sleep 300"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"run small", append([]string{"run", "--env", "prod"}, child...)},
		{"run big", append([]string{"run", "--env", "big"}, child...)},
		{"run local", append([]string{"run", "--env", "prod", "--local"}, child...)},
		{"start small", []string{"start", "--env", "prod"}},
		{"start big", []string{"start", "--env", "big"}},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGUSR1, syscall.Signal(40)} {
			t.Run(c.name+" "+strconv.Itoa(int(sig)), func(t *testing.T) {
				code := signalAtPrivateDir(t, proj, env, base, sig, c.args)
				if code != 128+int(sig) {
					t.Errorf("vsync exited %d, want %d", code, 128+int(sig))
				}
				if entries, err := os.ReadDir(base); err != nil || len(entries) != 0 {
					t.Errorf("the private base holds %d entries after vsync exited (%v)", len(entries), err)
				}
			})
		}
	}
}

// signalAtPrivateDir starts vsync with args in proj, sends it sig as soon
// as something is made in the private base, and returns its exit code.
func signalAtPrivateDir(t *testing.T, proj string, env []string, base string, sig syscall.Signal, args []string) int {
	t.Helper()
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, base, unix.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.WaitDelay = &out, &out, 10*time.Second
	defer func() {
		if t.Failed() {
			t.Logf("vsync's output:\n%s", out.Bytes())
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	// Wait for the first entry made in the base: the inotify event is
	// the synchronisation, the deadline only bounds a failure.
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatal("no private directory within 30s")
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}}, int(left.Milliseconds())+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	// vsync ends once its child did; a signal lost would leave both
	// running: the timer only bounds that failure.
	lost := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	err = cmd.Wait()
	exited = true
	if !lost.Stop() {
		t.Fatalf("vsync still ran 30s after %v, killed", sig)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("vsync: %v, want an exit code", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
		t.Fatalf("vsync was ended by %v", ws.Signal())
	}
	return ee.ExitCode()
}
