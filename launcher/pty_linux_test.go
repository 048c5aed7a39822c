//go:build linux

package launcher_test

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestTerminalCtrlC runs a small vsync (the "wrap" helper) on a pseudo
// terminal with an interactive child, types Ctrl-C, and checks that the
// child got SIGINT exactly once, from the terminal, while vsync got none
// (it is not in the foreground group), and that vsync exits with the
// child's status, 130.
func TestTerminalCtrlC(t *testing.T) {
	cmd := exec.Command(testExe)
	cmd.Env = []string{noRaceSleep, "LAUNCHER_HELPER=wrap", "LAUNCHER_CHILD=trap"}
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()

	var mu sync.Mutex
	var out bytes.Buffer
	ready := make(chan struct{})
	eof := make(chan struct{})
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
			if err != nil { // EIO once every slave descriptor is closed
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
	case <-time.After(failAfter):
		t.Fatalf("no ready line; output %q", output())
	}
	if _, err := io.WriteString(ptmx, "\x03"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-eof:
	case <-time.After(failAfter):
		t.Fatalf("vsync did not exit; output %q", output())
	}
	err = cmd.Wait()
	got := output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("vsync exited with %v, want 130; output %q", err, got)
	}
	if n := strings.Count(got, "INT"); n != 1 {
		t.Errorf("child printed INT %d times, want once; output %q", n, got)
	}
	for _, want := range []string{"wrapper-signals: []", "code=130 err=<nil>"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q: %q", want, got)
		}
	}
}
