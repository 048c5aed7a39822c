//go:build linux

package launcher_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vsync/launcher"
)

// A private directory whose vsync was SIGKILLed but whose child lives on
// (it escaped the group, or its watchdog has not struck yet) still holds
// that child's files: CleanStale must leave it until the process is gone.
// The live process here is a real one whose environment points into the
// directory, as vsync's child's NAME_FILE does.
func TestCleanStaleSparesLiveTree(t *testing.T) {
	base := t.TempDir()
	dir, killVsync := privdirElsewhere(t, base)

	child := helperCmd("sleep", "")
	child.Env = append(child.Env, "GCP_SA_JSON_FILE="+filepath.Join(dir, "gcp-sa.json"))
	cout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	if l, _ := bufio.NewReader(cout).ReadString('\n'); l != "ready\n" {
		t.Fatalf("child printed %q", l)
	}

	killVsync() // its lock is free
	if removed, err := launcher.CleanStale(base); err != nil || len(removed) != 0 {
		t.Fatalf("CleanStale with the child alive = %q, %v; want nothing removed", removed, err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the live child's directory is gone: %v", err)
	}

	_ = child.Process.Kill()
	_ = child.Wait()
	removed, err := launcher.CleanStale(base)
	if err != nil || len(removed) != 1 || removed[0] != dir {
		t.Fatalf("CleanStale once the child is gone = %q, %v; want [%s]", removed, err, dir)
	}
}

// privdirElsewhere starts the privdir helper, a process holding a private
// directory under base as vsync does, and returns the directory and a
// function that SIGKILLs the helper, so that it cannot clean up.
func privdirElsewhere(t *testing.T, base string) (dir string, kill func()) {
	t.Helper()
	cmd := helperCmd("privdir", base)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	dir = strings.TrimSpace(line)
	if err != nil || !strings.HasPrefix(dir, base) {
		t.Fatalf("helper printed %q, %v", line, err)
	}
	return dir, func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		in.Close()
	}
}
