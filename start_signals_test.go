package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestStartForwardsToEachProcess: a signal vsync start forwards (here HUP,
// as --reload-signal HUP sends it too) goes to each Procfile process
// itself, as Foreman sends it to each pid, not to its process group: a
// worker started by the process (a pre-fork server's) gets none, its
// master decides. The stop signal still reaches the whole group.
func TestStartForwardsToEachProcess(t *testing.T) {
	dir := t.TempDir()
	writeProcfile(t, dir, `web: trap 'echo leader HUP' HUP; TESTBIN trap & wait; wait`+"\n")
	r := startRunning(t, startCmd(t, dir))
	r.waitLines(t, "web.1 ready")
	if err := r.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	r.waitLines(t, "web.1 leader HUP")
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, out := r.wait(t)
	if code != 143 {
		t.Errorf("vsync start exited %d, want 143; output %q", code, out)
	}
	if n := countLines(out, "web.1", "HUP"); n != 0 {
		t.Errorf("the worker got HUP %d times, want never; output %q", n, out)
	}
	if !strings.Contains(out, "| TERM\n") {
		t.Errorf("the worker did not get the stop signal; output %q", out)
	}
}

// TestStartSurvivesCrashSignals: SIGABRT, SIGSEGV and the other signals
// that crashed vsync with a Go runtime dump when sent with kill, and those
// it swallowed (SIGALRM), reach each process of vsync start instead.
func TestStartSurvivesCrashSignals(t *testing.T) {
	dir := t.TempDir()
	writeProcfile(t, dir, "web: TESTBIN trap\n")
	r := startRunning(t, startCmd(t, dir))
	r.waitLines(t, "web.1 ready")
	for _, s := range []syscall.Signal{syscall.SIGABRT, syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGSYS, syscall.SIGALRM} {
		if err := r.cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		r.waitLines(t, "web.1 "+signalName(s))
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, out := r.wait(t); code != 143 {
		t.Errorf("vsync start exited %d, want 143; output %q", code, out)
	}
}
