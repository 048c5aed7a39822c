package main

import (
	"os"
	"os/exec"
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
	p.waitFor("vsync-test$ ", 1)
	p.typ(`"$VSYNC" run -- "$VSYNC" __child echo` + "\n")
	p.waitFor("ready", 1)
	p.typ("alpha\n")
	p.waitFor("echo: alpha", 1)

	p.typ("\x1a") // Ctrl-Z
	p.waitFor("Stopped", 1)
	p.waitFor("vsync-test$ ", 2)
	p.typ("fg\n")
	p.typ("beta\n")
	p.waitFor("echo: beta", 1)

	p.typ("\x04") // end of input: the child exits 0
	p.waitFor("vsync-test$ ", 3)
	p.typ("echo status=$?\n")
	p.waitFor("status=0", 1)
	p.typ("exit\n")
	if code, out := p.exit(); code != 0 {
		t.Fatalf("bash exited %d; output %q", code, out)
	}
}
