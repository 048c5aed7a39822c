package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestWatchTerminalCtrlCAfterRestart runs `vsync run --watch -- child trap`
// on a real pseudo-terminal, restarts the child with a push, then types
// one Ctrl-C: the new child is the terminal's foreground job, as the first
// one was, so it gets SIGINT exactly once and vsync exits 130.
func TestWatchTerminalCtrlCAfterRestart(t *testing.T) {
	_, proj, env, push := dirProject(t)
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--watch=200ms", "--", os.Args[0], "__child", "trap")
	cmd.Env, cmd.Dir = append(env, "VSYNC_TEST_AS_VSYNC=1"), proj
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()

	var mu sync.Mutex
	var out bytes.Buffer
	eof := make(chan struct{})
	go func() {
		defer close(eof)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil { // EIO once the terminal's last user is gone
				return
			}
		}
	}()
	output := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	waitOutput := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for strings.Count(output(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d× %q; output %q", n, what, output())
			}
			time.Sleep(10 * time.Millisecond) // polling the output with a deadline
		}
	}
	waitOutput("ready", 1)
	push("2")
	waitOutput("vsync: generation 2: restarted (variables changed)", 1)
	waitOutput("ready", 2)
	if _, err := io.WriteString(ptmx, "\x03"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-eof:
	case <-time.After(30 * time.Second):
		t.Fatalf("vsync did not exit after Ctrl-C; output %q", output())
	}
	err = cmd.Wait()
	got := output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("vsync exited with %v, want 130; output %q", err, got)
	}
	if n := strings.Count(got, "INT"); n != 1 {
		t.Errorf("the children printed INT %d times, want exactly once; output %q", n, got)
	}
	if n := strings.Count(got, "TERM"); n != 1 {
		t.Errorf("the children printed TERM %d times, want once (the restart); output %q", n, got)
	}
}
