package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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
	p := startOnPty(t, cmd)
	p.waitFor("ready", 1)
	p.typ("\x03")
	code, got := p.exit()
	if code != 130 {
		t.Fatalf("vsync exited with %d, want 130; output %q", code, got)
	}
	if n := strings.Count(got, "INT"); n != 1 {
		t.Errorf("the child printed INT %d times, want exactly once; output %q", n, got)
	}
	if strings.Contains(got, "vsync: error") {
		t.Errorf("vsync printed an error for a child's status: %q", got)
	}
}
