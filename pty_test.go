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

// TestRunTerminalCtrlC runs `vsync run -- child trap` on a real
// pseudo-terminal, types one Ctrl-C, and checks that the interactive child
// got SIGINT exactly once and that vsync exits with the child's status
// (130). vsync makes the child the terminal's foreground job, so the
// kernel's SIGINT goes to the child alone and vsync forwards nothing.
func TestRunTerminalCtrlC(t *testing.T) {
	cmd := exec.Command(os.Args[0], "run", "--", os.Args[0], "__child", "trap")
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0")
	cmd.Dir = t.TempDir()
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()

	var mu sync.Mutex
	var out bytes.Buffer
	ready, eof := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(eof)
		buf := make([]byte, 4096)
		signalled := false
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			if !signalled && strings.Contains(out.String(), "ready") {
				signalled = true
				close(ready)
			}
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
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("no ready line; output %q", output())
	}
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
		t.Errorf("the child printed INT %d times, want exactly once; output %q", n, got)
	}
	if strings.Contains(got, "vsync: error") {
		t.Errorf("vsync printed an error for a child's status: %q", got)
	}
}
