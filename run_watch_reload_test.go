package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"vsync/internal/testsupport"
)

// TestRunWatchReloadSignalChildOnly: with --watch and --reload-signal HUP,
// a generation that changes only a file sends HUP to the child alone (a
// pre-fork server's master), never to the worker it started in its
// process group, as a HUP sent by hand. Before, the whole group got it.
func TestRunWatchReloadSignalChildOnly(t *testing.T) {
	_, proj, env, _ := dirProject(t)
	cert := filepath.Join(proj, "infra", "vault", "prod", "cert.pem")
	if err := os.WriteFile(cert, []byte("CERT-ONE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vsyncIn(t, proj, env, "push", "prod", "--note", "cert one")

	script := `trap 'echo leader HUP' HUP; "$0" __child trap & wait; wait`
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--watch=200ms", "--reload-signal", "HUP",
		"--", "/bin/sh", "-c", script, os.Args[0])
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	stderr := newOutBuf()
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := testsupport.Lines(out)
	next := func() string {
		t.Helper()
		return testsupport.NextLine(t, lines, 30*time.Second, func() string { return "stderr:\n" + stderr.String() })
	}
	if l := next(); l != "ready" {
		t.Fatalf("got %q, want ready", l)
	}

	if err := os.WriteFile(cert, []byte("CERT-TWO\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vsyncIn(t, proj, env, "push", "prod", "--note", "cert two")
	if l := next(); l != "leader HUP" {
		t.Fatalf("got %q, want the child's \"leader HUP\" first", l)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	_ = cmd.Wait()
	if slices.Contains(rest, "HUP") {
		t.Errorf("the worker got the reload signal; its lines after the reload: %q", rest)
	}
	if !strings.Contains(stderr.String(), "files replaced, sent SIGHUP") {
		t.Errorf("no reload line on stderr:\n%s", stderr.String())
	}
}
