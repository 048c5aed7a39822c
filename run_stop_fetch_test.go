package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunStoppedWhileFetching sends SIGTERM and SIGINT to `vsync run`
// while it waits for the bucket's answer (a loopback server that accepts
// and never answers): vsync exits as a process killed by the signal would
// (143, 130), with one error line naming it, and the child never starts.
// Before, the cancelled fetch was reported as an unreachable bucket.
func TestRunStoppedWhileFetching(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	root, proj, env, _ := dirProject(t)
	env = append(env, "AWS_ACCESS_KEY_ID=stop-test", "AWS_SECRET_ACCESS_KEY=stop-test-secret",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "VSYNC_PASSPHRASE=stop-test-passphrase")
	vsyncIn(t, proj, env, "profile", "add", "hang", "--bucket", "b", "--endpoint", "http://"+ln.Addr().String(), "--path-style")
	// init looks at the bucket: make the env on the directory profile,
	// then point it at the server that never answers.
	vsyncIn(t, proj, env, "init", "stuck", "--profile", "local", "--prefix", "app")
	toml := filepath.Join(proj, "vsync.toml")
	b, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(b), "[envs.stuck]\nprofile = \"local\"", "[envs.stuck]\nprofile = \"hang\"", 1)
	if moved == string(b) {
		t.Fatalf("no [envs.stuck] on the local profile in vsync.toml:\n%s", b)
	}
	if err := os.WriteFile(toml, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(root, "child-ran")
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{{syscall.SIGTERM, 143, "SIGTERM"}, {syscall.SIGINT, 130, "SIGINT"}} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "run", "--env", "stuck", "--", "/bin/sh", "-c", "touch "+marker)
			cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
			var stderr bytes.Buffer
			cmd.Stderr, cmd.WaitDelay = &stderr, 10*time.Second
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			select { // the GET reached the server: vsync is fetching
			case conn := <-accepted:
				defer conn.Close()
			case <-time.After(30 * time.Second):
				t.Fatal("vsync did not connect within 30s")
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != c.code {
				t.Fatalf("vsync: %v, want exit %d; stderr:\n%s", err, c.code, stderr.Bytes())
			}
			if got, want := strings.TrimSpace(stderr.String()), "vsync: error: stopped by "+c.name; got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the child ran")
			}
		})
	}
}
