package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"vsync/internal/childenv"
	"vsync/internal/miniotest"
)

// TestStartMatchesForeman: for a few Procfiles, flags and dotenv files,
// `vsync start` gives every process the same PORT, PS and variables as
// `foreman start` (Debian ruby-foreman). Skipped without foreman, unless
// VSYNC_TEST_REQUIRE_S3=1 (CI), where that is a failure.
func TestStartMatchesForeman(t *testing.T) {
	foreman := foremanPath(t)
	const types = "web worker clock"
	for _, tc := range []struct {
		name    string
		args    []string
		files   map[string]string // written in the directory
		env     []string          // added to the process environment
		running int               // how many processes run
	}{
		{"defaults", nil, map[string]string{".env": "FOO=bar\n"}, nil, 3},
		// Foreman runs only the types -c names (Honcho runs the others
		// once, as vsync does), so every case names them all.
		{"port-and-concurrency", []string{"-p", "6000", "-c", "web=2,worker=3,clock=1"}, map[string]string{".env": "FOO=bar\n"}, nil, 6},
		{"port-from-dotenv", []string{"-c", "web=1,worker=2,clock=1"}, map[string]string{".env": "FOO=bar\nPORT=7000\n"}, nil, 4},
		{"port-from-environment-named-process", []string{"worker"}, map[string]string{".env": "FOO=bar\n"}, []string{"PORT=8000"}, 1},
		{"env-file-and-all", []string{"-e", "other.env", "-c", "all=2,clock=0"}, map[string]string{".env": "FOO=bar\n", "other.env": "FOO='other value'\nBAR=2\n"}, nil, 4},
		{"environment-and-dotenv", []string{"-c", "all=1,clock=2"}, map[string]string{".env": "FOO=from-file\n"}, []string{"FOO=from-env", "BAR=from-env"}, 4},
		// A -c that names some types runs only those, unless all=N.
		// (Foreman's -c is --color and its formation -m, but it takes
		// "web=2" as a process argument, then as the formation "web=2=1",
		// which it reads as web=2.)
		{"formation-names-some", []string{"-c", "worker=2"}, nil, nil, 2},
		{"formation-names-some-and-all", []string{"-c", "worker=2,all=1"}, nil, nil, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var pf strings.Builder
			for _, ty := range strings.Fields(types) {
				pf.WriteString(ty + ": " + together(`echo "PORT=$PORT PS=$PS FOO=$FOO BAR=$BAR"`, tc.running) + "\n")
			}
			run := func(prog string, args ...string) map[string]bool {
				dir := t.TempDir()
				files := map[string]string{"Procfile": pf.String()}
				for k, v := range tc.files {
					files[k] = v
				}
				for name, content := range files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, prog, append(args, tc.args...)...)
				// Its own process group, so that a run that hangs (a
				// process count that does not match) is killed whole.
				cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
				cmd.Dir = dir
				cmd.Env = append(childenv.WithoutKeys(os.Environ(), "PORT", "FOO", "BAR"), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0")
				cmd.Env = append(cmd.Env, tc.env...)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s %q: %v\n%s", prog, args, err, out)
				}
				return portLines(string(out))
			}
			want := run(foreman, "start")
			got := run(os.Args[0], "start")
			if len(want) != tc.running {
				t.Fatalf("foreman printed %d PORT lines, want %d: %v", len(want), tc.running, keys(want))
			}
			if !maps(got, want) {
				t.Errorf("vsync start:\n  %s\nforeman start:\n  %s", strings.Join(keys(got), "\n  "), strings.Join(keys(want), "\n  "))
			}
		})
	}
}

// foremanPath returns the path of foreman, or skips the test without it,
// unless VSYNC_TEST_REQUIRE_S3=1 (CI), where that is a failure.
func foremanPath(t *testing.T) string {
	t.Helper()
	foreman, err := exec.LookPath("foreman")
	if err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("foreman is required (%s=1): apt-get install ruby-foreman", miniotest.RequireEnv)
		}
		t.Skip("foreman not installed (apt-get install ruby-foreman)")
	}
	return foreman
}

// TestStartStopSignalsOnce: when a process exits, every other gets SIGTERM
// exactly once (a second one is "quit now" to many servers), and one that
// then shuts down cleanly is reported "exited with code 0"; foreman start
// does the same with the same Procfile. The counting process takes a
// second to shut down, as a server finishing its requests does.
func TestStartStopSignalsOnce(t *testing.T) {
	const procfile = "counter: TESTBIN termcount counter.ready\n" +
		"quit: while [ ! -e counter.ready ]; do sleep 0.01; done; exit 3\n"
	want := []string{"counter.1 got 1 SIGTERM", "counter.1 exited with code 0", "quit.1 exited with code 3"}
	run := func(t *testing.T, prog string) (int, map[string]bool, string) {
		dir := t.TempDir()
		writeProcfile(t, dir, procfile)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, prog, "start")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0", "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		clean := ansiSGR.ReplaceAllString(string(out), "")
		return exitCodeOf(t, err), procLines(clean), clean
	}
	t.Run("vsync", func(t *testing.T) {
		t.Parallel()
		code, lines, out := run(t, os.Args[0])
		if code != 3 {
			t.Errorf("exit code %d, want 3; output:\n%s", code, out)
		}
		for _, w := range want {
			if !lines[w] {
				t.Errorf("no %q in the output:\n%s", w, out)
			}
		}
	})
	t.Run("foreman", func(t *testing.T) {
		t.Parallel()
		_, lines, out := run(t, foremanPath(t))
		for _, w := range want {
			if !lines[w] {
				t.Errorf("foreman start: no %q in the output:\n%s", w, out)
			}
		}
	})
}

var ansiSGR = regexp.MustCompile("\x1b\\[[0-9;]*m")

// portLines returns "NAME TEXT" for each line of out whose text starts
// with "PORT=", colours and times removed.
func portLines(out string) map[string]bool {
	got := map[string]bool{}
	for l := range procLines(ansiSGR.ReplaceAllString(out, "")) {
		if _, text, _ := strings.Cut(l, " "); strings.HasPrefix(text, "PORT=") {
			got[l] = true
		}
	}
	return got
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func maps(a, b map[string]bool) bool {
	return slices.Equal(keys(a), keys(b))
}
