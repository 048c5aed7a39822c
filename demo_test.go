package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDemoScript runs scripts/demo.sh as a user would: with a built vsync
// (this test binary as vsync), as the current user and, when root, as
// nobody (uid 65534, HOME /nonexistent), and once building vsync itself
// with GOPROXY=off (no network). Each run must succeed, print no
// "Permission denied", and leave its TMPDIR empty.
func TestDemoScript(t *testing.T) {
	// The vsync binary: a copy of this test binary any user can run.
	// (t.TempDir's parent is 0700: other users cannot reach into it.)
	binDir := publicTempDir(t, 0o755)
	bin := filepath.Join(binDir, "vsync")
	copyExecutable(t, os.Args[0], bin)
	script := filepath.Join(binDir, "demo.sh")
	copyExecutable(t, "scripts/demo.sh", script)

	run := func(t *testing.T, script string, env []string, cred *syscall.Credential, args ...string) {
		t.Helper()
		tmp := publicTempDir(t, 0o700)
		if cred != nil {
			if err := os.Chown(tmp, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = binDir
		cmd.Env = append(env, "TMPDIR="+tmp, "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=10")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("demo.sh: %v\n%s", err, out)
		}
		for _, want := range []string{"pushed generation 2", "vsync verify prod", "exit code 74"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("demo.sh output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(string(out), "Permission denied") {
			t.Errorf("demo.sh output has Permission denied:\n%s", out)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("demo.sh left %d entries in TMPDIR, %s first", len(left), left[0].Name())
		}
	}
	base := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"}

	t.Run("user", func(t *testing.T) {
		run(t, script, append(base, "HOME="+os.Getenv("HOME")), nil, bin)
	})
	t.Run("nobody", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("running as another user needs root")
		}
		run(t, script, append(base, "HOME=/nonexistent", "USER=nobody", "VSYNC="+bin), &syscall.Credential{Uid: 65534, Gid: 65534})
	})
	t.Run("build", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds vsync")
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Fatalf("the go command is needed: %v", err)
		}
		env := append([]string{}, os.Environ()...)
		env = append(env, "PATH="+filepath.Dir(goBin)+":/usr/bin:/bin", "GOPROXY=off", "GOFLAGS=-mod=readonly")
		repoScript, err := filepath.Abs("scripts/demo.sh") // it builds from its checkout
		if err != nil {
			t.Fatal(err)
		}
		run(t, repoScript, env, nil)
	})
}

// copyExecutable copies the file src to dst, mode 0755.
func copyExecutable(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// publicTempDir is a new directory of mode perm in the system's temporary
// directory, removed when t ends.
func publicTempDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vsync-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	return dir
}
