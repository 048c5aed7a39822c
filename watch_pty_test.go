package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestWatchTerminalCtrlCAfterRestart runs `vsync run --watch -- child trap`
// on a real pseudo-terminal, restarts the child with a push, then types
// one Ctrl-C: the new child is the terminal's foreground job, as the first
// one was, so it gets SIGINT exactly once and vsync exits 130.
func TestWatchTerminalCtrlCAfterRestart(t *testing.T) {
	_, proj, env, push := dirProject(t)
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--watch=200ms", "--", os.Args[0], "__child", "trap")
	cmd.Env, cmd.Dir = append(env, "VSYNC_TEST_AS_VSYNC=1"), proj
	p := startOnPty(t, cmd)
	p.waitFor("ready", 1)
	push("2")
	p.waitFor("vsync: generation 2: restarted (variables changed)", 1)
	p.waitFor("ready", 2)
	p.typ("\x03")
	code, got := p.exit()
	if code != 130 {
		t.Fatalf("vsync exited with %d, want 130; output %q", code, got)
	}
	if n := strings.Count(got, "INT"); n != 1 {
		t.Errorf("the children printed INT %d times, want exactly once; output %q", n, got)
	}
	if n := strings.Count(got, "TERM"); n != 1 {
		t.Errorf("the children printed TERM %d times, want once (the restart); output %q", n, got)
	}
}
