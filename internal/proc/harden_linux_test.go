package proc

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// helperEnv names the variable that turns this test binary into the
// helper of TestKeepFromPeers: keepFromPeers changes the whole process,
// so it runs in a process of its own, started with the variables to wipe.
const helperEnv = "VSYNC_PROC_TEST_KEEP_FROM_PEERS"

// keepFromPeers makes the process non-dumpable and wipes the values of
// the named variables from the environment block /proc/PID/environ shows,
// leaving the others there and os.Getenv unchanged.
func TestKeepFromPeers(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeepFromPeersHelper$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "VSYNC_PROC_TEST_SECRET=wipe-me", "VSYNC_PROC_TEST_OTHER=keep-me")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	for _, want := range []string{"dumpable=0", "secret in environ=false", "other in environ=true", "getenv=true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("helper reports\n%s\nwant %q", out, want)
		}
	}
}

// TestKeepFromPeersHelper is TestKeepFromPeers' process; it does nothing
// in a normal run.
func TestKeepFromPeersHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper of TestKeepFromPeers")
	}
	if err := keepFromPeers([]string{"VSYNC_PROC_TEST_SECRET", "VSYNC_PROC_TEST_UNSET"}); err != nil {
		t.Fatal(err)
	}
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	environ, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dumpable=%d", dumpable)
	t.Logf("secret in environ=%t", bytes.Contains(environ, []byte("wipe-me")))
	t.Logf("other in environ=%t", bytes.Contains(environ, []byte("VSYNC_PROC_TEST_OTHER=keep-me")))
	t.Logf("getenv=%t", os.Getenv("VSYNC_PROC_TEST_SECRET") == "wipe-me")
}
