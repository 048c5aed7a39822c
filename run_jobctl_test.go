package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRunJobControl runs `vsync run` as a job of an interactive bash on a
// real pseudo-terminal and uses job control as at any shell: Ctrl-Z stops
// the child and vsync with it, so that bash reports the job stopped and
// prompts again; fg continues both and the child has the terminal again
// (it reads the next line); at end of input the child exits 0 and so does
// vsync. Before, the child stopped alone and the terminal hung.
func TestRunJobControl(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "--norc", "--noprofile", "-i")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=dumb", "PS1=vsync-test$ ",
		"VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0", "VSYNC=" + os.Args[0]}
	cmd.Dir = t.TempDir()
	p := startOnPty(t, cmd)
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	const prompt = "vsync-test$ "
	// do types s and waits for the next prompt.
	do := func(s string) {
		t.Helper()
		n := strings.Count(p.output(), prompt)
		p.typ(s)
		p.waitFor(prompt, n+1)
	}
	p.waitFor(prompt, 1)
	do("set -b\n") // report a job's stop at once, not at the next prompt
	p.typ(`"$VSYNC" run -- "$VSYNC" __child echo` + "\n")
	p.waitFor("ready", 1)
	p.typ("alpha\n")
	p.waitFor("echo: alpha", 1)

	do("\x1a") // Ctrl-Z
	p.waitFor("Stopped", 1)
	p.typ("fg\n")
	p.typ("beta\n")
	p.waitFor("echo: beta", 1)

	// Stopped again and continued in the background (bg): the child reads
	// the terminal it no longer holds, stops (SIGTTIN), and vsync with it;
	// fg gives it the terminal back.
	do("\x1a")
	p.waitFor("Stopped", 2)
	p.typ("bg\n")
	p.waitFor("Stopped", 3)
	p.typ("fg\n")
	p.typ("gamma\n")
	p.waitFor("echo: gamma", 1)

	do("\x04") // end of input: the child exits 0
	p.typ("echo status=$?\n")
	p.waitFor("status=0", 1)
	p.typ("exit\n")
	if code, out := p.exit(); code != 0 {
		t.Fatalf("bash exited %d; output %q", code, out)
	}
}
