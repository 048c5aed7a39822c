//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vsync/internal/status"
)

// TestStatusServerSurvivesAcceptErrors: a `vsync run` out of file
// descriptors (its RLIMIT_NOFILE lowered below its next descriptor, as a
// storm of health checks would leave it) fails to Accept on its status
// socket; once descriptors are free again it answers, the waiting client
// included, instead of having stopped serving for good.
func TestStatusServerSurvivesAcceptErrors(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
	root, proj, env, _ := dirProject(t)
	ready := filepath.Join(root, "ready")
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--", os.Args[0], "__child", "trap", ready)
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitForFile(t, ready, "^ready$")
	socks, _ := filepath.Glob(filepath.Join(root, "run", "vsync-*", status.SocketName))
	if len(socks) != 1 {
		t.Fatalf("status sockets: %q", socks)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := status.Ask(ctx, socks[0]); err != nil {
		t.Fatal(err)
	}

	// vsync's limit goes below every descriptor it may open, its lowest
	// free one or 3 (past standard input, output and error), whichever is
	// lower: the next descriptor it opens, the accepted connection, is
	// EMFILE. Not the lowest free one alone: vsync may not have closed its
	// end of status.Ask's connection yet, whose number is then free next.
	pid := cmd.Process.Pid
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Fatal(err)
	}
	low := unix.Rlimit{Cur: uint64(min(lowestFreeFD(t, pid), 3)), Max: old.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", socks[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The warning says the Accept failed; without it the limit could be
	// restored before vsync tried, and the test would prove nothing.
	if !waitLine(lines, "vsync: warning: status socket: ", "too many open files") {
		t.Errorf("no \"vsync: warning: status socket: ... too many open files\" line on stderr within 20s")
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var a status.Answer
	if err := json.NewDecoder(conn).Decode(&a); err != nil {
		t.Fatalf("the connection made while vsync was out of descriptors got no answer: %v", err)
	}
	if a.Env != "prod" || a.Generation != 1 {
		t.Errorf("answer %+v", a)
	}
	if _, err := status.Ask(ctx, socks[0]); err != nil {
		t.Errorf("after the Accept errors: %v", err)
	}
	// The child's stop, waited for: a SIGKILL to vsync (the cleanup's)
	// right after the SIGTERM would leave the child to its parent-death
	// signal.
	if err := cmd.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// stderr to its end first: Wait would close it under the reader.
	for deadline, open := time.After(30*time.Second), true; open; {
		select {
		case _, open = <-lines:
		case <-deadline:
			t.Fatal("vsync run did not exit within 30s of SIGTERM")
		}
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 128+int(unix.SIGTERM) {
		t.Errorf("vsync run after SIGTERM: %v, want exit status 143 (the child's, stopped by the forwarded SIGTERM)", err)
	}
}

// lowestFreeFD is the lowest descriptor number process pid has not open.
func lowestFreeFD(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	open := map[int]bool{}
	for _, e := range ents {
		n, _ := strconv.Atoi(e.Name())
		open[n] = true
	}
	n := 0
	for open[n] {
		n++
	}
	return n
}

// waitLine waits for a line from lines with prefix that contains sub, and
// reports whether one came within 20 s.
func waitLine(lines <-chan string, prefix, sub string) bool {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			if strings.HasPrefix(l, prefix) && strings.Contains(l, sub) {
				return true
			}
		case <-timeout:
			return false
		}
	}
}
