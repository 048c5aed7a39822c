//go:build unix

package procfile

import (
	"os/exec"
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
