//go:build unix

package procfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCommandMatchesShell checks that a command run directly gets the argv
// sh would have built from the same text and environment.
func TestCommandMatchesShell(t *testing.T) {
	if _, err := exec.LookPath(Shell); err != nil {
		t.Skip(err)
	}
	env := []string{"PORT=5000", "NAME=app", "EMPTY=", "DOTS=a.b:c", "PATH=/usr/bin:/bin"}
	for _, cmd := range []string{
		"gunicorn app:wsgi -w 4",
		"run --port $PORT",
		"run --bind=0.0.0.0:${PORT} $NAME",
		"run $EMPTY x $UNSET",
		"run --opt=$EMPTY $DOTS",
		"run $PORT-$NAME ${NAME}_x",
		"run 100% done a=b",
		`run "a b" 'c d' "" ''`,
		`run "it's" 'say "hi"'`,
		"run\t tabs",
	} {
		argv, err := Command(Entry{Name: "p", Command: cmd}, env)
		if err != nil {
			t.Fatal(err)
		}
		if argv[0] == Shell {
			t.Errorf("%q: not run directly", cmd)
			continue
		}
		c := exec.Command(Shell, "-c", `set -- `+cmd+`; printf '%s\0' "$@"`)
		c.Env = env
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%q: %v", cmd, err)
		}
		want := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !reflect.DeepEqual(argv, want) {
			t.Errorf("%q: direct %q, sh %q", cmd, argv, want)
		}
	}
}

// TestShellWordsRunUnderShell runs commands that start with a shell's own
// word as Command builds them, with the real /bin/sh: each does what it
// does under sh (and Foreman), where run directly it was "command not
// found" (127).
func TestShellWordsRunUnderShell(t *testing.T) {
	if _, err := exec.LookPath(Shell); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "env.sh"), []byte("GREETING=sourced\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PORT=5000", "PATH=" + os.Getenv("PATH")}
	for _, tc := range []struct {
		cmd, out string
		code     int
	}{
		{"exec printf %s:%s exec $PORT", "exec:5000", 0},
		{"eval printf %s eval", "eval", 0},
		{". ./env.sh", "", 0},
		{"cd sub", "", 0},
		{"export PORT=1", "", 0},
		{"umask 077", "", 0},
		{"ulimit -n", "", 0},
		{"set -e", "", 0},
		{"trap '' HUP", "", 0},
		{": ready", "", 0},
		{"exit 3", "", 3},
		{"command -v cd", "cd\n", 0},
	} {
		argv, err := Command(Entry{Name: "p", Command: tc.cmd}, env)
		if err != nil {
			t.Fatalf("%q: %v", tc.cmd, err)
		}
		if argv[0] != Shell {
			t.Errorf("%q: run directly as %q", tc.cmd, argv)
			continue
		}
		c := exec.Command(argv[0], argv[1:]...)
		c.Env, c.Dir = env, dir
		out, err := c.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%q: %v", tc.cmd, err)
		}
		if code != tc.code || (tc.out != "" && string(out) != tc.out) {
			t.Errorf("%q: exit %d, output %q; want %d, %q", tc.cmd, code, out, tc.code, tc.out)
		}
	}
}
